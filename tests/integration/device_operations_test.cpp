// rfneedled and rfneedle-sim as real processes (tests/support/device_processes.h), run as a
// clinic runs the device (issue 14, docs/operations.md): scraped by Prometheus during a
// treatment, backed up mid-treatment and restored into a fresh data directory, and asked by
// an upgrade whether a session is open. Pulse counts are held to the simulator's ground
// truth (`history` on its control socket); the wall-clock limits only say when to give up.
// The host caveat's telemetry-gap faults are cleared by the harness (TreatmentRunner); a
// device the host starved beyond that runs the test again on fresh processes.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>

#include "controller/daemon/audit_chain.h"
#include "controller/daemon/sqlite_store.h"
#include "tests/integration/device_test_main.h"
#include "tests/support/child_process.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/treatment_runner.h"

namespace rfneedle::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

api::ParametersRequest cheek_stamp() { return DeviceProcesses::parameters(2000, 10'000, 100); }

// The simulator's RF pulses numbered above `baseline`.
std::int64_t sim_pulses_after(const SimHistory& history, std::int64_t baseline) {
  std::int64_t n = 0;
  for (const SimPulse& p : history.pulses) {
    n += p.n > baseline && p.rf_off_us ? 1 : 0;
  }
  return n;
}

class DeviceOperationsTest : public ::testing::Test {
 protected:
  DeviceProcesses& start(DeviceOptions options) {
    device_ = std::make_unique<DeviceProcesses>(device_programs(), std::move(options));
    return *device_;
  }
  // rfneedled as a service command beside the running daemon, on its configuration.
  RunResult command(const std::vector<std::string>& args) {
    std::vector<std::string> all{"--config", (device_->dir() / "rfneedled.conf").string()};
    all.insert(all.end(), args.begin(), args.end());
    return run_program(device_programs().daemon, all, device_->dir(), seconds(60));
  }
  void TearDown() override {
    if (!device_) {
      return;
    }
    std::cout << "host faults cleared: " << device_->host_fault_log().size() << "\n";
    if (HasFailure()) {
      device_->keep_dir();
    }
    device_.reset();
  }
  std::unique_ptr<DeviceProcesses> device_;
};

// GET /metrics on the API's address (no token, loopback) and on --metrics-listen's
// metrics-only socket, during an auto-triggered treatment: promtool accepts the body, and
// the pulse counter rose by exactly the pulses the simulator delivered.
TEST_F(DeviceOperationsTest, MetricsCountThePulsesTheSimulatorDelivered) {
  const auto starved = on_fresh_processes(3, [&] {
    DeviceProcesses& device =
        start({.auto_trigger_hz = 2.0, .daemon_args = {"--metrics-listen", "127.0.0.1:0"}});
    const std::regex metrics_line(R"(metrics only on http://127\.0\.0\.1:([0-9]+)/metrics)");
    std::smatch m;
    const std::string log = device.daemon().standard_error();
    ASSERT_TRUE(std::regex_search(log, m, metrics_line)) << device.daemon_log_tail();
    const ApiClient metrics_only("127.0.0.1", static_cast<std::uint16_t>(std::stoi(m[1].str())));

    const ApiResponse before = device.api().get("/metrics");
    ASSERT_EQ(before.status, 200) << before.describe();
    EXPECT_THAT(before.header("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
    const std::string delivered = "rfneedle_pulses_delivered_total";
    const std::string completed = R"(rfneedle_pulses_total{kind="treatment",outcome="completed"})";
    const double delivered_before = sample(before.body, delivered).value_or(-1);
    ASSERT_GE(delivered_before, 0) << before.body;

    TreatmentRunner run(device);
    run.open(cheek_stamp());
    run.arm();
    (void)run.run_until([&](const api::Status&) { return run.completed_pulses() >= 5; },
                        seconds(90));
    run.disarm();

    const ApiResponse after = metrics_only.get("/metrics");
    ASSERT_EQ(after.status, 200) << after.describe();
    const SimHistory history = device.history();
    const double delivered_after = sample(after.body, delivered).value_or(-1);
    EXPECT_GE(delivered_after - delivered_before, 5.0) << after.body;
    const auto truth = static_cast<double>(sim_pulses_after(history, run.baseline_pulse()));
    if (run.host_faults() == 0) {
      EXPECT_EQ(delivered_after - delivered_before, truth)
          << "the simulator delivered " << truth << " pulses since " << run.baseline_pulse();
    } else {
      // A host fault can cut a pulse the instant RF came on, before the core saw it on: the
      // records (with the generator's delivered energy) are what is held to the truth then.
      std::cout << "host faults: pulses delivered " << delivered_after - delivered_before
                << ", the simulator's " << truth << "\n";
      EXPECT_LE(delivered_after - delivered_before, truth);
    }
    EXPECT_THAT(run.mismatches_with_truth(), IsEmpty());
    // Every final record the session stored is counted by its outcome.
    double recorded = 0;
    for (const char* outcome : {"completed", "ended", "aborted", "faulted"}) {
      recorded +=
          sample(after.body, std::string(R"(rfneedle_pulses_total{kind="treatment",outcome=")") +
                                 outcome + "\"}")
              .value_or(0) -
          sample(before.body, std::string(R"(rfneedle_pulses_total{kind="treatment",outcome=")") +
                                  outcome + "\"}")
              .value_or(0);
    }
    EXPECT_EQ(recorded, static_cast<double>(run.records().size()));
    EXPECT_GE(sample(after.body, completed).value_or(0), 5.0);
    EXPECT_GT(sample(after.body, "rfneedle_energy_delivered_joules_total").value_or(0), 4.0);
    EXPECT_GT(sample(after.body, "rfneedle_rf_off_commanded_seconds_count").value_or(0), 0.0);
    EXPECT_GT(sample(after.body, "rfneedle_safety_tick_lateness_seconds_count").value_or(0),
              sample(before.body, "rfneedle_safety_tick_lateness_seconds_count").value_or(0));
    EXPECT_GT(
        sample(after.body, R"(rfneedle_link_frames_received_total{board="generator"})").value_or(0),
        0.0);
    EXPECT_GT(sample(after.body, "rfneedle_store_pulse_commit_seconds_count").value_or(0), 0.0);
    EXPECT_GT(sample(after.body, "rfneedle_store_event_commit_seconds_count").value_or(0), 0.0);
    EXPECT_EQ(sample(after.body, R"(rfneedle_state{state="Standby"})"), 1.0);

    // promtool, Prometheus's own check of the exposition format and its naming.
    const fs::path body = device.dir() / "metrics.txt";
    std::ofstream(body) << after.body;
    const RunResult promtool = run_program(
        "/bin/sh", {"-c", "promtool check metrics < " + body.string()}, device.dir(), seconds(30));
    EXPECT_EQ(promtool.status, 0) << promtool.out << promtool.err;

    // The metrics-only socket answers nothing else.
    EXPECT_EQ(metrics_only.get_as_display("/api/v1/status").status, 404);
    EXPECT_EQ(metrics_only.post("/api/v1/stop").status, 404);
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
}

// Every row of `table` in `db`, one line each, by its first column.
std::map<std::int64_t, std::string> rows(SQLite::Database& db, const std::string& table) {
  SQLite::Statement s(db, "SELECT * FROM " + table);
  std::map<std::int64_t, std::string> out;
  while (s.executeStep()) {
    std::string line;
    for (int c = 0; c < s.getColumnCount(); ++c) {
      line += (s.getColumn(c).isNull() ? "NULL" : s.getColumn(c).getString()) + "|";
    }
    out[s.getColumn(0).getInt64()] = line;
  }
  return out;
}

// Verifies: SR-94
// --backup while rfneedled treats (a separate, read-only process on the WAL store),
// --restore and a second rfneedled refused while it runs, then restored into a fresh data
// directory: the backup's sessions, pulses and audit entries all there, the final pulse
// records as the running store still holds them, and the audit chain unbroken.
TEST_F(DeviceOperationsTest, BackupMidTreatmentRestoresIntoAFreshDataDirectory) {
  const auto starved = on_fresh_processes(3, [&] {
    DeviceProcesses& device = start({.auto_trigger_hz = 2.0});
    TreatmentRunner run(device);
    const std::uint64_t session = run.open(cheek_stamp());
    run.arm();
    (void)run.run_until([&](const api::Status&) { return run.completed_pulses() >= 3; },
                        seconds(90));

    const fs::path backup = device.dir() / "backup.db";
    const RunResult backed_up = command({"--backup", backup.string()});
    ASSERT_EQ(backed_up.status, 0) << backed_up.err;
    EXPECT_FALSE(fs::exists(backup.string() + "-wal")) << "a backup is one file";
    // The treatment carries on after the backup.
    const std::size_t at_backup = run.completed_pulses();
    (void)run.run_until([&](const api::Status&) { return run.completed_pulses() >= at_backup + 2; },
                        seconds(90));
    run.disarm();
    // The rest beside the running daemon, the session still open, nothing energizing: only
    // the backup ran mid-treatment.
    // Upgrades wait for this session (docs/operations.md, "Upgrades").
    const RunResult open_check = command({"--session-open-check"});
    EXPECT_EQ(open_check.status, 1) << open_check.err;
    EXPECT_THAT(open_check.out, HasSubstr("session " + std::to_string(session)));

    const RunResult again = command({"--backup", backup.string()});
    EXPECT_EQ(again.status, 1) << "an existing file is never overwritten";
    EXPECT_THAT(again.err, HasSubstr("exists"));

    const RunResult refused = command({"--restore", backup.string()});
    EXPECT_EQ(refused.status, 1);
    EXPECT_THAT(refused.err, HasSubstr("rfneedled is running"));
    // A second rfneedled on the same data directory stops at its lock, before the store
    // or the serial lines.
    const RunResult second = command({});
    EXPECT_EQ(second.status, 1) << second.err;
    EXPECT_THAT(second.err, HasSubstr("rfneedled is running"));

    const ApiResponse closed = device.api().post("/api/v1/session/close", run.operator_token());
    ASSERT_TRUE(closed.ok()) << closed.describe();
    const RunResult closed_check = command({"--session-open-check"});
    EXPECT_EQ(closed_check.status, 0) << closed_check.err;

    const fs::path fresh = device.dir() / "fresh";
    const RunResult restored =
        command({"--data-dir", fresh.string(), "--restore", backup.string()});
    ASSERT_EQ(restored.status, 0) << restored.err;
    // Restoring again keeps the store it replaces.
    const RunResult twice = command({"--data-dir", fresh.string(), "--restore", backup.string()});
    ASSERT_EQ(twice.status, 0) << twice.err;
    EXPECT_TRUE(fs::exists(fresh / "rfneedle.db.before-restore")) << twice.err;

    SQLite::Database copy(backup.string(), SQLite::OPEN_READONLY);
    SQLite::Database in_fresh((fresh / "rfneedle.db").string(), SQLite::OPEN_READONLY);
    SQLite::Database live(device.store_path().string(), SQLite::OPEN_READONLY);
    for (const char* table : {"sessions", "pulses", "audit", "events", "latches", "operators"}) {
      EXPECT_EQ(rows(in_fresh, table), rows(copy, table)) << table;
    }
    const auto backed_pulses = rows(copy, "pulses");
    const auto live_pulses = rows(live, "pulses");
    std::size_t finals = 0;
    for (const auto& [id, line] : backed_pulses) {
      if (line.find("|started|") != std::string::npos) {
        continue;  // under way at the backup: its final record came after
      }
      ++finals;
      ASSERT_TRUE(live_pulses.contains(id)) << "pulse " << id;
      EXPECT_EQ(line, live_pulses.at(id)) << "pulse " << id;
    }
    EXPECT_GE(finals, 3u);
    EXPECT_EQ(rows(in_fresh, "sessions").count(static_cast<std::int64_t>(session)), 1u);

    // The restored store's audit chain, read through the store as rfneedled reads it.
    const daemon::SqliteStoreOpen opened =
        daemon::SqliteStore::open((fresh / "rfneedle.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error;
    daemon::AuditChainCheck chain;
    std::uint64_t after_id = 0;
    for (std::vector<daemon::AuditEntry> page;
         !(page = opened.store->audit(after_id, 500)).empty();) {
      for (const daemon::AuditEntry& e : page) {
        chain.add(e);
        after_id = e.id;
      }
    }
    EXPECT_TRUE(chain.result().ok) << chain.result().problem;
    EXPECT_EQ(chain.result().rows, rows(copy, "audit").size());
    EXPECT_GT(chain.result().rows, 0u);
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
}

// Verifies: SR-94
// --restore checks the file before it touches the store.
TEST_F(DeviceOperationsTest, RestoreRefusesAFileThatIsNotAStore) {
  DeviceProcesses& device = start({.simulator_first = false});
  const fs::path junk = device.dir() / "junk.db";
  std::ofstream(junk) << "not a database\n";
  const RunResult r =
      command({"--data-dir", (device.dir() / "other").string(), "--restore", junk.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("junk.db"));
  EXPECT_FALSE(fs::exists(device.dir() / "other" / "rfneedle.db"));

  const fs::path newer = device.dir() / "newer.db";
  {
    SQLite::Database db(newer.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t (x); PRAGMA user_version = 999");
  }
  const RunResult n =
      command({"--data-dir", (device.dir() / "other").string(), "--restore", newer.string()});
  EXPECT_EQ(n.status, 1);
  EXPECT_THAT(n.err, HasSubstr("schema version 999"));
  EXPECT_FALSE(fs::exists(device.dir() / "other" / "rfneedle.db"));
}

}  // namespace
}  // namespace rfneedle::testing
