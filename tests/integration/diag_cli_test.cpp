// rfneedle-diag against real rfneedled and rfneedle-sim processes: the binary is run as a
// child process and its standard output, --json and exit codes are checked against the API
// and the simulator's ground truth (docs/operations.md, "rfneedle-diag"). Waits are bounded
// by wall-clock limits only to stop a hung test; no assertion depends on timing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/integration/diag_cli_fixture.h"
#include "tests/support/treatment_runner.h"

namespace rfneedle::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DiagCliAlone, ControllerUnreachableExits4) {
  const RunResult r = run_program(diag_program(), {"--url", "http://127.0.0.1:1", "stop"},
                                  std::filesystem::temp_directory_path());
  EXPECT_EQ(r.status, 4);
  EXPECT_THAT(r.err, HasSubstr("controller unreachable at http://127.0.0.1:1"));
  EXPECT_EQ(r.out, "");
}

TEST(DiagCliAlone, BadUsageExits2NamingWhatIsWrong) {
  const auto tmp = std::filesystem::temp_directory_path();
  RunResult r = run_program(diag_program(), {"events", "--since", "yesterday"}, tmp);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--since 'yesterday'"));
  r = run_program(diag_program(), {"sessions", "export", "1", "--format", "xml", "-o", "x"}, tmp);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--format"));
  r = run_program(diag_program(), {"--url", "https://example.org", "status"}, tmp);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--url"));
  r = run_program(diag_program(), {"--help"}, tmp);
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("4 controller unreachable"));
}

TEST_F(DiagCliTest, LogInCachesTheTokenPrivatelyAndCommandsUseIt) {
  start();
  // Not logged in, nothing cached: not authorised.
  RunResult r = diag({"status"}, false);
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not logged in"));
  // A wrong key: the controller's 401.
  const auto wrong = device_->dir() / "wrong.key";
  write_file(wrong, "not-the-key");
  r = diag({"login", "--secret-file", wrong.string()});
  EXPECT_EQ(r.status, 3) << r.err;

  // Without $XDG_RUNTIME_DIR nothing is cached; the token is printed for RFNEEDLE_TOKEN.
  r = diag({"login", "--secret-file", key_file_.string(), "--json"}, false);
  ASSERT_EQ(r.status, 0) << r.err;
  diag::LoginResult uncached;
  ASSERT_EQ(parse_error(r.out, uncached), "") << r.out;
  EXPECT_FALSE(uncached.cached());
  EXPECT_EQ(uncached.token().size(), 64u);

  login_service();
  const auto token_file = runtime_ / "rfneedle-diag" /
                          ("127.0.0.1_" + std::to_string(device_->port()) + ".service.token");
  struct stat info {};
  ASSERT_EQ(::stat(token_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  r = diag({"status", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::Status status;
  ASSERT_EQ(parse_error(r.out, status), "") << r.out;
  EXPECT_EQ(status.state(), api::STATE_STANDBY);
  EXPECT_TRUE(status.boards_simulated());

  r = diag({"status"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("State: standby"));
  EXPECT_THAT(r.out, HasSubstr("Generator: "));
  EXPECT_THAT(r.out, HasSubstr("(simulated)"));
  EXPECT_THAT(r.out, Not(HasSubstr("\033[")));  // no colour off a terminal

  r = diag({"logout"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(token_file));
  r = diag({"status"});
  EXPECT_EQ(r.status, 3);
}

TEST_F(DiagCliTest, ServiceCommandsInHumanAndJsonForms) {
  start();
  login_service();
  RunResult r = diag({"version", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::Versions versions;
  ASSERT_EQ(parse_error(r.out, versions), "");
  EXPECT_EQ(versions.configuration_hash().size(), 64u);
  std::map<std::string, api::ComponentVersion> components;
  for (const api::ComponentVersion& c : versions.components()) components[c.component()] = c;
  ASSERT_EQ(components.count("generator firmware"), 1u) << r.out;
  EXPECT_EQ(components["generator firmware"].serial(), "SIM-GEN-0001");
  EXPECT_EQ(components["generator firmware"].version(), "sim-1.0.0");
  ASSERT_EQ(components.count("actuator firmware"), 1u) << r.out;
  EXPECT_EQ(components["actuator firmware"].serial(), "SIM-ACT-0001");
  r = diag({"version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("COMPONENT\tVERSION\tSERIAL"));

  r = diag({"counters", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::ServiceCounters counters;
  EXPECT_EQ(parse_error(r.out, counters), "");
  // The power-on self-test's pulse is on record, from the store (the device's life).
  EXPECT_TRUE(std::any_of(counters.lifetime().pulses().begin(), counters.lifetime().pulses().end(),
                          [](const api::PulseCount& p) {
                            return p.kind() == api::PULSE_KIND_SELF_TEST && p.pulses() >= 1;
                          }))
      << r.out;
  r = diag({"counters"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Lifetime"));
  EXPECT_THAT(r.out, HasSubstr("Self-test pulses"));
  EXPECT_THAT(r.out, HasSubstr("Since rfneedled started"));
  r = diag({"link", "stats"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("BOARD\tSENT\tRECEIVED\tRETRANSMISSIONS"));
  EXPECT_THAT(r.out, HasSubstr("generator"));
  EXPECT_THAT(r.out, HasSubstr("actuator"));
  r = diag({"link", "stats", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::LinkStats link;
  ASSERT_EQ(parse_error(r.out, link), "");
  ASSERT_EQ(link.boards_size(), 2);
  for (const api::LinkBoardStats& b : link.boards()) {
    // Both boards stream telemetry at 1 kHz and the controller heartbeats them.
    EXPECT_GT(b.frames_received(), 100u) << b.board();
    EXPECT_GT(b.frames_sent(), 10u) << b.board();
    EXPECT_EQ(b.errors().count("crc"), 1u) << b.board();
    EXPECT_EQ(b.errors().count("link_fault"), 1u) << b.board();
  }
  r = diag({"config", "show"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("allow_simulated"));

  r = diag({"audit", "verify", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::AuditVerification audit;
  ASSERT_EQ(parse_error(r.out, audit), "");
  EXPECT_TRUE(audit.ok());

  const auto pin = device_->dir() / "new.pin";
  write_file(pin, "246813");
  r = diag({"operators", "add", "carol", "--pin-file", pin.string()});
  EXPECT_EQ(r.status, 2) << r.err;  // changes the device: --yes, no terminal to ask on
  EXPECT_THAT(r.err, HasSubstr("--yes"));
  r = diag({"operators", "add", "carol", "--pin-file", pin.string(), "--yes"});
  EXPECT_EQ(r.status, 0) << r.err;
  r = diag({"operators", "add", "carol", "--pin-file", pin.string(), "--yes"});
  EXPECT_EQ(r.status, 5) << r.err;  // 409: the user name exists
  r = diag({"operators", "list"});
  EXPECT_THAT(r.out, HasSubstr("carol\tenabled"));
  r = diag({"operators", "disable", "carol", "--yes", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::OperatorAccount carol;
  ASSERT_EQ(parse_error(r.out, carol), "");
  EXPECT_TRUE(carol.disabled());

  r = diag({"sim", "faults", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("power-drift"));
  r = diag({"sim", "faults", "inject", "no-such-fault", "--yes"});
  EXPECT_EQ(r.status, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no-such-fault"));

  // Refused by the controller: a reset with nothing latched.
  r = diag({"faults", "reset", "--reason", "nothing to reset", "--yes"});
  EXPECT_EQ(r.status, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("409"));

  // Not authorised: an operator route with only the service log-in.
  r = diag({"faults", "ack", "--yes"});
  EXPECT_EQ(r.status, 3) << r.err;

  // STOP: no log-in, never asks.
  r = diag({"stop", "--json"}, false);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"ok\":true}\n");
}

TEST_F(DiagCliTest, FaultsShowAnInjectedEstopAndTheOperatorAcknowledgesIt) {
  start();
  login_service();
  RunResult r = diag({"sim", "faults", "inject", "estop", "--for", "200", "--yes"});
  ASSERT_EQ(r.status, 0) << r.err;
  (void)device_->wait_for_state(api::STATE_FAULT);
  r = diag({"faults", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::Status faults;
  ASSERT_EQ(parse_error(r.out, faults), "") << r.out;
  EXPECT_EQ(faults.state(), api::STATE_FAULT);
  const auto estop = std::find_if(faults.conditions().begin(), faults.conditions().end(),
                                  [](const auto& c) { return c.name() == "estop"; });
  ASSERT_NE(estop, faults.conditions().end()) << r.out;
  EXPECT_EQ(estop->priority(), api::ALARM_PRIORITY_HIGH);
  EXPECT_EQ(estop->clear_policy(), api::CLEAR_POLICY_ACKNOWLEDGE_AFTER_CAUSE_GONE);
  r = diag({"faults"});
  EXPECT_THAT(r.out, HasSubstr("high ***\testop\tfault\tacknowledge after cause gone"));
  EXPECT_THAT(r.err, HasSubstr("latched: fault"));

  // Acknowledging is the operator's; the service log-in is not enough.
  r = diag({"faults", "ack", "--yes"});
  EXPECT_EQ(r.status, 3) << r.err;
  login_operator();
  ASSERT_TRUE(eventually([&] { return device_->sim_status().active_faults.empty(); }));
  // Refused (5) while the needles are still coming out; then accepted.
  ASSERT_TRUE(eventually(
      [&] {
        r = diag({"faults", "ack", "--yes"});
        return r.status == 0;
      },
      seconds(10)))
      << r.status << " " << r.err;
  (void)device_->wait_for_state(api::STATE_STANDBY);
}

TEST_F(DiagCliTest, SelfTestPassesThenFailsWithAnInjectedShort) {
  on_undisturbed_device({}, [&] {
    RunResult r = diag({"selftest", "--yes"});
    if (host_disturbed()) return false;
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("9/9 checks passed"));

    // A shorted load: the open-circuit check with the needles retracted reads a short.
    r = diag({"sim", "faults", "inject", "impedance-short", "--yes"});
    EXPECT_EQ(r.status, 0) << r.err;
    r = diag({"selftest", "--yes", "--json"});
    if (host_disturbed()) return false;
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    diag::SelfTestReport report;
    EXPECT_EQ(parse_error(r.out, report), "") << r.out;
    EXPECT_LT(report.passed(), report.total());
    if (report.failures_size() < 1) {
      ADD_FAILURE() << "no failure reported: " << r.out;
      return true;
    }
    EXPECT_THAT(report.failures(0).check(), HasSubstr("open-circuit impedance")) << r.out;
    EXPECT_FALSE(report.failures(0).reason().empty());
    return true;
  });
}

TEST_F(DiagCliTest, SessionsExportRoundTripsThePulsesInTheStore) {
  // A treatment of a few pulses. The host caveat: a telemetry gap or a starved link can
  // latch the device with causes the runner does not clear by itself (a link fault, RF-active
  // still high when the gap hides its drop); then the treatment runs again on fresh
  // processes.
  std::unique_ptr<TreatmentRunner> run;
  const auto starved = on_fresh_processes(3, [&] {
    run.reset();
    start({.auto_trigger_hz = 2.0});
    run = std::make_unique<TreatmentRunner>(*device_);
    run->open(DeviceProcesses::parameters(2000, 10000, 100));
    run->arm();
    run->run_until([&](const api::Status&) { return run->completed_pulses() >= 3; });
    run->disarm();
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
  const api::SessionDetail stored = device_->session(run->operator_token(), run->session_id());
  ASSERT_GE(stored.pulses_size(), 3);

  login_operator();
  const std::string id = std::to_string(run->session_id());
  RunResult r = diag({"sessions", "list", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::SessionList list;
  ASSERT_EQ(parse_error(r.out, list), "");
  ASSERT_GE(list.sessions_size(), 1);
  EXPECT_EQ(list.sessions(0).id(), run->session_id());

  const auto json_file = device_->dir() / "session.json";
  r = diag({"sessions", "export", id, "--format", "json", "-o", json_file.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  api::SessionDetail exported;
  ASSERT_EQ(parse_error(read_text(json_file), exported), "");
  ASSERT_EQ(exported.pulses_size(), stored.pulses_size());
  for (int i = 0; i < stored.pulses_size(); ++i) {
    EXPECT_EQ(exported.pulses(i).pulse_id(), stored.pulses(i).pulse_id());
    EXPECT_EQ(exported.pulses(i).delivered_energy_uj(), stored.pulses(i).delivered_energy_uj());
    EXPECT_EQ(exported.pulses(i).outcome(), stored.pulses(i).outcome());
  }
  EXPECT_EQ(exported.session().patient_ref(), "P-IT-0001");

  const auto csv_file = device_->dir() / "session.csv";
  r = diag({"sessions", "export", id, "--format", "csv", "-o", csv_file.string(), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  diag::ExportResult result;
  ASSERT_EQ(parse_error(r.out, result), "");
  EXPECT_EQ(result.bytes(), std::filesystem::file_size(csv_file));
  const auto rows = lines_of(read_text(csv_file));
  EXPECT_EQ(static_cast<int>(rows.size()), stored.pulses_size() + 1);  // a header and a row each
  for (const auto& p : stored.pulses()) {
    EXPECT_THAT(read_text(csv_file), HasSubstr(std::to_string(p.pulse_id())));
  }

  const auto fhir_file = device_->dir() / "session.fhir.json";
  r = diag({"sessions", "export", id, "--format", "fhir", "-o", fhir_file.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(read_text(fhir_file), HasSubstr("resourceType"));
  EXPECT_THAT(read_text(fhir_file), HasSubstr("\"Bundle\""));
  EXPECT_THAT(read_text(fhir_file), HasSubstr("P-IT-0001"));

  // The service role's export withholds the patient reference.
  r = diag({"logout", "--role", "operator"});
  ASSERT_EQ(r.status, 0) << r.err;
  login_service();
  r = diag({"sessions", "export", id, "--format", "json", "-o", "-"});
  ASSERT_EQ(r.status, 0) << r.err;
  api::SessionDetail withheld;
  ASSERT_EQ(parse_error(r.out, withheld), "") << r.out;
  EXPECT_NE(withheld.session().patient_ref(), "P-IT-0001");
  EXPECT_EQ(withheld.pulses_size(), stored.pulses_size());

  r = diag({"sessions", "export", "999999", "--format", "json", "-o", json_file.string()});
  EXPECT_EQ(r.status, 2) << r.err;  // 404
}

TEST_F(DiagCliTest, WatchPrintsOneLinePerSampleWhenPipedAndRefreshesInPlaceOnATerminal) {
  start();
  login_service();
  RunResult r = diag({"watch", "--count", "5", "--fields", "power,impedance,rf"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[0], "TIME\tPOWER_W\tIMPEDANCE_OHM\tRF\tSTATE");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_THAT(lines[i],
                ::testing::MatchesRegex(
                    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\t[0-9.]+\t[0-9]+\toff\t[a-z ]+"));
  }
  // On a terminal (util-linux `script` gives it one): one line refreshed in place, coloured
  // unless NO_COLOR.
  ::setenv("XDG_RUNTIME_DIR", runtime_.c_str(), 1);
  const std::string command = diag_program() + " --url " + url() + " watch --count 3";
  RunResult tty =
      run_program("/usr/bin/script", {"-qec", command, "/dev/null"}, device_->dir(), seconds(30));
  ::unsetenv("XDG_RUNTIME_DIR");
  ASSERT_EQ(tty.status, 0) << tty.out << tty.err;
  EXPECT_EQ(lines_of(tty.out).size(), 1u) << tty.out;  // no newline between the samples
  EXPECT_THAT(tty.out, HasSubstr("\r\033[2K"));

  r = diag({"watch", "--count", "3", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto json_lines = lines_of(r.out);
  ASSERT_EQ(json_lines.size(), 3u);
  for (const auto& line : json_lines) {
    api::Telemetry t;
    EXPECT_EQ(parse_error(line, t), "") << line;
    EXPECT_GT(t.samples(), 0u);
  }
}

}  // namespace
}  // namespace rfneedle::testing
