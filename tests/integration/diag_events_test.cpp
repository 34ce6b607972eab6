// rfneedle-diag events: the log as stored, and -f following it live, resuming by event ID
// across a restart of rfneedled (no event printed twice, none missed).
#include <signal.h>

#include "tests/integration/diag_cli_fixture.h"

namespace rfneedle::testing {
namespace {

using ::testing::HasSubstr;

std::vector<api::Event> events_in(const std::string& json_lines) {
  std::vector<api::Event> out;
  for (const auto& line : lines_of(json_lines)) {
    api::Event e;
    if (parse_api_json(line, e).empty()) out.push_back(e);
  }
  return out;
}

TEST_F(DiagCliTest, EventsListTheStoredLogInBothForms) {
  start();
  login_service();
  RunResult r = diag({"events", "--since", "-10min", "-o", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto events = events_in(r.out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.size(), lines_of(r.out).size());  // every line is an Event
  for (std::size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].id(), events[i - 1].id());

  r = diag({"events", "-n", "3"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines.back(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z .*"));
  EXPECT_THAT(lines.back(), HasSubstr("#" + std::to_string(events.back().id())));

  r = diag({"events", "--severity", "fatal", "-o", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const auto& e : events_in(r.out)) EXPECT_EQ(e.severity(), api::SEVERITY_FATAL);
  r = diag({"events", "--since", "-1min", "--until", "-2min"});
  EXPECT_EQ(r.status, 2);
}

TEST_F(DiagCliTest, EventsFollowAnInjectedFaultAndResumeAcrossADaemonRestart) {
  start();
  login_service();
  ::setenv("XDG_RUNTIME_DIR", runtime_.c_str(), 1);
  ChildProcess follower(
      diag_program(),
      {"--url", url(), "events", "-f", "-o", "json", "--secret-file", key_file_.string()},
      device_->dir());
  ::unsetenv("XDG_RUNTIME_DIR");
  ASSERT_TRUE(eventually([&] { return !events_in(follower.standard_output()).empty(); }))
      << follower.standard_error();

  // A fault as it happens: the E-stop, pressed from the simulator.
  RunResult r = diag({"sim", "faults", "inject", "estop", "--for", "300", "--yes"});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& e : events_in(follower.standard_output())) {
          if (e.kind() == api::EVENT_KIND_CONDITION_RAISED && e.condition() == "estop") return true;
        }
        return false;
      },
      seconds(20)))
      << follower.standard_output() << follower.standard_error();
  const std::uint64_t before_restart = events_in(follower.standard_output()).back().id();

  // rfneedled restarts on the same port: every token ends; the follower logs in again from
  // its --secret-file and resumes after the last event it printed.
  ASSERT_EQ(device_->terminate_daemon(), 0);
  device_->restart_daemon(DeviceProcesses::Port::kSame);
  // Events only the new rfneedled stores: its start-up's, in Connecting (the old one ended
  // in Fault, then ShuttingDown).
  ASSERT_TRUE(eventually(
      [&] {
        const auto seen = events_in(follower.standard_output());
        return std::any_of(seen.begin(), seen.end(), [&](const api::Event& e) {
          return e.id() > before_restart && e.state() == api::STATE_CONNECTING;
        });
      },
      seconds(60)))
      << follower.standard_output() << follower.standard_error();
  follower.signal(SIGTERM);
  (void)follower.wait(seconds(5));
  const auto followed = events_in(follower.standard_output());
  EXPECT_THAT(follower.standard_error(), HasSubstr("logged in again"));

  // Exactly the stored events from the first printed one to the last: none twice, no gap.
  login_service();
  r = diag({"events", "-o", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::uint64_t> stored;
  for (const auto& e : events_in(r.out)) {
    if (e.id() >= followed.front().id() && e.id() <= followed.back().id()) stored.push_back(e.id());
  }
  std::vector<std::uint64_t> printed;
  for (const auto& e : followed) printed.push_back(e.id());
  EXPECT_EQ(printed, stored);
}

}  // namespace
}  // namespace rfneedle::testing
