// rfneedled and rfneedle-sim as real processes (tests/support/device_processes.h), driven
// through the API as the touchscreen and the clinician would: a treatment recorded as the
// simulator delivered it, SIGTERM in the middle of one, and a start-up before the boards'
// serial devices exist. Assertions use the simulator's clock and ground truth (`history`,
// `status` on its control socket) and the device's own records; the wall-clock limits only
// say when to give up.
//
// Host caveat (docs/operations.md, "Testing with the real processes"): this machine's vCPUs
// are preempted by the host for 1-4 ms several times in 10 s, and over pseudo-terminals the
// core then sometimes declares a telemetry gap (SR-40: > 2 ms while energizing), rightly.
// Such a Fault, whose only causes are generator_telemetry_gap / actuator_telemetry_gap, is
// the host's scheduling and not what these tests check: the harness acknowledges it as the
// operator (or, when the core escalated three of them to ServiceLock, resets it as the
// service role with a reason), arms again and carries on, and prints each one
// (TreatmentRunner, DeviceProcesses::clear_host_fault). Every pulse record, including the
// pulses such a fault cut short, must still match the simulator's ground truth; any other
// fault fails the test. A device the host starved beyond that (a link fault after a long
// stall) runs the test again on fresh processes (on_fresh_processes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "controller/daemon/sqlite_store.h"
#include "tests/integration/device_test_main.h"
#include "tests/support/treatment_runner.h"

namespace rfneedle::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::IsEmpty;

// A cheek at 2.0 mm, 10 W for 100 ms: 1 J, within the 1.55 J of a 25-needle cartridge.
api::ParametersRequest cheek_stamp() { return DeviceProcesses::parameters(2000, 10'000, 100); }

std::string outcome_name(core::PulseOutcome outcome) {
  return api::PulseOutcome_Name(static_cast<api::PulseOutcome>(static_cast<int>(outcome) + 1));
}

// Starts the device; afterwards prints the host faults the harness cleared and keeps a
// failed test's directory (logs, configuration, store).
class DeviceTest : public ::testing::Test {
 protected:
  DeviceProcesses& start(DeviceOptions options) {
    device_ = std::make_unique<DeviceProcesses>(device_programs(), std::move(options));
    return *device_;
  }
  void TearDown() override {
    if (!device_) {
      return;
    }
    std::cout << "host faults cleared: " << device_->host_fault_log().size() << "\n";
    for (const std::string& line : device_->host_fault_log()) {
      std::cout << "  " << line << "\n";
    }
    if (HasFailure()) {
      device_->keep_dir();
    }
    device_.reset();
  }

 private:
  std::unique_ptr<DeviceProcesses> device_;
};

// Verifies: SR-68, SR-69
// Two presses a second from the simulator's operator; every pulse's record (GET
// /sessions/{id}) holds the energy the simulator truly delivered, within 3 %.
TEST_F(DeviceTest, TwentyPulsesAreRecordedAsTheSimulatorDeliveredThem) {
  const auto starved = on_fresh_processes(3, [&] {
    DeviceProcesses& device = start({.auto_trigger_hz = 2.0});
    TreatmentRunner run(device);
    run.open(cheek_stamp());
    run.arm();
    (void)run.run_until([&](const api::Status&) { return run.completed_pulses() >= 20; },
                        seconds(120));
    run.disarm();

    const std::vector<api::Pulse> records = run.records();
    std::size_t completed = 0;
    std::uint64_t previous_id = 0;
    for (const api::Pulse& p : records) {
      completed += p.outcome() == api::PULSE_OUTCOME_COMPLETED ? 1 : 0;
      EXPECT_GT(p.pulse_id(), previous_id) << "pulse IDs increase, each used once (SR-68)";
      previous_id = p.pulse_id();
      EXPECT_EQ(p.planned_energy_uj(), 1'000'000);
    }
    EXPECT_GE(completed, 20u);
    EXPECT_THAT(run.mismatches_with_truth(), IsEmpty());
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
}

// The simulator's status sampled as fast as its control socket answers, on a thread, while
// something else happens (rfneedled shutting down).
class TruthSampler {
 public:
  explicit TruthSampler(const DeviceProcesses& device)
      : thread_([this, &device] {
          while (!done_) {
            SimStatus s = device.sim_status();
            std::lock_guard lock(mutex_);
            samples_.push_back(std::move(s));
          }
        }) {}
  ~TruthSampler() { stop(); }
  void stop() {
    done_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  std::vector<SimStatus> samples() {
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  std::vector<SimStatus> samples_;
  std::thread thread_;
};

// Verifies: SR-69
// docs/operations.md: SIGTERM ends RF, retracts the needles, stores every record still
// queued and exits 0. The needles must be out before either board's dead-man (50 ms after
// rfneedled's last frame) could have retracted them instead.
TEST_F(DeviceTest, SigtermDuringAPulseEndsRfRetractsTheNeedlesAndKeepsEveryRecord) {
  const auto starved = on_fresh_processes(3, [&] {
    DeviceProcesses& device = start({.auto_trigger_hz = 1.0});
    TreatmentRunner run(device);
    const std::uint64_t session = run.open(cheek_stamp());
    run.arm();
    (void)run.run_until([&](const api::Status&) { return run.ended_pulses() >= 2; });
    // The next pulse, 20 ms into its RF; the one after if a host fault (a telemetry gap,
    // cleared by the runner) ended that pulse first.
    SimStatus before;
    for (int pulse = 0; pulse < 6 && !before.rf_on; ++pulse) {
      (void)run.run_until([&](const api::Status&) { return device.sim_status().rf_on; });
      const SimHistory during = device.history();
      ASSERT_FALSE(during.pulses.empty());
      const std::int64_t rf_on_us = during.pulses.back().rf_on_us;
      ASSERT_TRUE(eventually([&] { return device.sim_status().sim_time_us >= rf_on_us + 20'000; }));
      before = device.sim_status();
    }
    if (!before.rf_on) {
      throw HostDisturbed("host faults ended every pulse before it was 20 ms old",
                          device.board_worst_late_us());
    }

    TruthSampler sampler(device);
    const std::optional<int> status = device.terminate_daemon(seconds(10));
    std::this_thread::sleep_for(milliseconds(150));  // past any dead-man
    sampler.stop();
    ASSERT_TRUE(status.has_value()) << "rfneedled did not exit after SIGTERM";
    EXPECT_EQ(*status, 0) << device.daemon_log_tail();

    // Ground truth: when RF ended, when the needles were out, when a dead-man first tripped.
    const SimHistory after = device.history();
    const SimPulse* cut = after.pulse_at_or_after(before.sim_time_us);
    ASSERT_NE(cut, nullptr);
    ASSERT_TRUE(cut->rf_off_us.has_value()) << "RF still on after rfneedled exited";
    std::optional<std::int64_t> retracted_us;
    std::optional<std::int64_t> dead_man_us;
    for (const SimStatus& s : sampler.samples()) {
      if (!retracted_us && s.sim_time_us >= *cut->rf_off_us && s.needle_position_um == 0) {
        retracted_us = s.sim_time_us;
      }
      if (!dead_man_us && (s.generator_dead_man_trips > before.generator_dead_man_trips ||
                           s.actuator_dead_man_trips > before.actuator_dead_man_trips)) {
        dead_man_us = s.sim_time_us;
      }
    }
    ASSERT_TRUE(retracted_us.has_value()) << "the needles never came out";
    const SimStatus last = device.sim_status();
    if (dead_man_us && (*cut->rf_off_us >= *dead_man_us || *retracted_us >= *dead_man_us) &&
        last.late_ticks > before.late_ticks && last.worst_tick_late_us > kTickStarvedUs) {
      // rfneedled's shutdown lost the race to the 50 ms dead-man while the simulated boards'
      // own tick woke late: the host starved both processes, and the run says nothing.
      throw HostDisturbed("a board's dead-man acted before rfneedled's shutdown, the simulator " +
                              std::to_string(last.late_ticks - before.late_ticks) +
                              " ticks late meanwhile",
                          last.worst_tick_late_us);
    }
    if (dead_man_us) {
      EXPECT_LT(*cut->rf_off_us, *dead_man_us) << "RF ended by a board's dead-man, not rfneedled";
      EXPECT_LT(*retracted_us, *dead_man_us) << "retracted by a dead-man, not rfneedled";
    }
    EXPECT_FALSE(last.rf_on) << last.json;
    EXPECT_EQ(last.needle_position_um, 0) << last.json;

    // The store, read as rfneedled left it: every pulse, the one cut short included.
    const daemon::SqliteStoreOpen store = daemon::SqliteStore::open(device.store_path().string());
    ASSERT_TRUE(store.ok()) << store.error;
    std::vector<RecordedPulse> stored;
    for (const daemon::StoredPulse& p : store.store->pulses_of_session(session)) {
      if (p.record.kind != core::PulseKind::kTreatment) {
        continue;
      }
      EXPECT_NE(p.record.outcome, core::PulseOutcome::kStarted)
          << "pulse " << p.record.pulse_id << " has no final record";
      stored.push_back({p.record.pulse_id, outcome_name(p.record.outcome),
                        p.record.cause ? std::string(core::spec(*p.record.cause).name) : "",
                        p.record.delivered_energy.value()});
    }
    EXPECT_GE(stored.size(), run.ended_pulses() + 1);
    EXPECT_THAT(mismatches_with_truth(stored, after, run.baseline_pulse()), IsEmpty());
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
}

// Verifies: SR-41, SR-65
// docs/operations.md: a serial device missing at start-up leaves the device Connecting
// (retried every 100 ms); once the boards appear, both handshakes and the self-test run and
// the device reaches Standby.
TEST_F(DeviceTest, ADeviceStartedBeforeItsBoardsStaysConnectingUntilTheyAppear) {
  const auto starved = on_fresh_processes(3, [&] {
    DeviceProcesses& device = start({.simulator_first = false});
    EXPECT_EQ(device.status().state(), api::STATE_CONNECTING);
    // Several of its 100 ms retries later, still waiting and still serving the API.
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_TRUE(device.daemon().running());
    EXPECT_EQ(device.status().state(), api::STATE_CONNECTING);

    device.start_simulator();
    const api::Status ready = device.wait_for_standby(seconds(30));
    EXPECT_TRUE(ready.self_test().finished());
    EXPECT_EQ(ready.self_test().passed(), ready.self_test().total());
    EXPECT_TRUE(ready.boards_simulated());
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
}

}  // namespace
}  // namespace rfneedle::testing
