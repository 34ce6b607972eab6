#include "tests/support/kill9_campaign.h"

#include <signal.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <thread>

#include "controller/daemon/sqlite_store.h"

namespace rfneedle::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A cheek at 2.0 mm, 10 W for 100 ms: 1 J, within the 1.55 J of a 25-needle cartridge.
api::ParametersRequest cheek_stamp() { return DeviceProcesses::parameters(2000, 10'000, 100); }

// The board's dead-man: RF off at most 51 ms after its last valid frame (SR-39).
constexpr std::int64_t kRfOffDeadlineUs = 51'000;

api::State api_state(core::State state) {
  return static_cast<api::State>(static_cast<int>(state) + 1);
}

}  // namespace

Kill9Campaign::Kill9Campaign(DeviceProcesses& device, std::uint64_t seed)
    : device_(device), rng_(seed) {}

void Kill9Campaign::fail(const std::string& what) {
  failures_.push_back("run " + std::to_string(figures_.runs) + ": " + what);
}

void Kill9Campaign::start() {
  host_may_disturb([&] {
    run_ = std::make_unique<TreatmentRunner>(device_);
    session_ = run_->open(cheek_stamp());
    baseline_pulse_ = run_->baseline_pulse();
  });
  treat_until_a_pulse_completes();
}

void Kill9Campaign::treat_until_a_pulse_completes() {
  host_may_disturb([&] {
    run_->arm();
    (void)run_->run_until([&](const api::Status&) { return run_->completed_pulses() >= 1; },
                          seconds(30));
  });
}

void Kill9Campaign::host_may_disturb(const std::function<void()>& step) {
  try {
    step();
  } catch (const DeviceError& e) {
    if (device_.daemon().running() && is_host_disturbed(device_.status())) {
      throw HostDisturbed(e.what(), device_.board_worst_late_us());
    }
    throw;
  }
}

void Kill9Campaign::run_once() {
  ++figures_.runs;
  kill_at_a_random_moment();
  check_rf_ended();
  restart_and_clear();
  check_records("after restart");
  const api::SessionDetail detail = device_.session(run_->operator_token(), session_);
  if (detail.session().outcome() != "interrupted") {
    fail("session " + std::to_string(session_) + " is '" + detail.session().outcome() +
         "' after the restart, not interrupted");
  }
  host_may_disturb([&] { run_->resume(session_, cheek_stamp()); });
  treat_until_a_pulse_completes();
}

void Kill9Campaign::finish() {
  host_may_disturb([&] { run_->disarm(); });
  const ApiResponse closed = device_.api().post("/api/v1/session/close", run_->operator_token());
  if (!closed.ok()) {
    fail("POST /api/v1/session/close: " + closed.describe());
  }
  check_records("at the end");
  figures_.host_faults = device_.host_fault_log().size();
}

void Kill9Campaign::kill_at_a_random_moment() {
  // Half the kills fall while RF is on, somewhere in the 100 ms pulse; the rest anywhere in
  // the treatment's rhythm (inserting, measuring, retracting, waiting for the trigger).
  if (std::bernoulli_distribution(0.5)(rng_)) {
    (void)eventually([&] { return device_.sim_status().rf_on; }, seconds(5));
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 95)(rng_)));
  } else {
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 1200)(rng_)));
  }
  before_kill_ = device_.status();
  const std::optional<int> status = device_.kill_daemon();
  if (!status) {
    throw DeviceError("rfneedled still runs after SIGKILL");
  }
  if (*status != 128 + SIGKILL) {
    fail("rfneedled ended with " + std::to_string(*status) + " before SIGKILL reached it\n" +
         device_.daemon_log_tail());
  }
}

void Kill9Campaign::check_rf_ended() {
  SimStatus s = device_.sim_status();
  const std::int64_t last_frame = s.generator_last_frame_us;
  if (last_frame < 0) {
    throw DeviceError("the simulator's generator is rebooting: " + s.json);
  }
  // Past any dead-man, in the simulator's clock.
  if (!eventually(
          [&] { return device_.sim_status().sim_time_us > last_frame + 2 * kRfOffDeadlineUs; },
          seconds(5))) {
    throw DeviceError("the simulator's clock does not advance");
  }
  s = device_.sim_status();
  if (s.rf_on) {
    fail("RF is still on with rfneedled gone: " + s.json);
  }
  const SimHistory history = device_.history();
  for (const SimPulse& p : history.pulses) {
    if (!p.rf_off_us) {
      fail("the simulator's pulse n" + std::to_string(p.n) + " never ended");
      continue;
    }
    if (*p.rf_off_us <= last_frame) {
      continue;
    }
    ++figures_.kills_during_rf;
    const std::int64_t after = *p.rf_off_us - last_frame;
    figures_.worst_rf_off_after_last_frame_us =
        std::max(figures_.worst_rf_off_after_last_frame_us, after);
    if (after > kRfOffDeadlineUs) {
      fail("RF of the simulator's pulse n" + std::to_string(p.n) + " ended " +
           std::to_string(after) + " us after the generator's last frame (deadline " +
           std::to_string(kRfOffDeadlineUs) + " us)");
    }
  }
}

void Kill9Campaign::restart_and_clear() {
  // The latches the store held when the process died: the new one must come back in them.
  std::optional<core::State> stored_latch;
  {
    const daemon::SqliteStoreOpen store =
        daemon::SqliteStore::open(device_.store_path().string(), false);
    if (!store.ok()) {
      throw DeviceError("the store after the kill: " + store.error);
    }
    for (const daemon::StoredLatch& l : store.store->active_latches()) {
      stored_latch = std::max(stored_latch.value_or(l.latch.state), l.latch.state);
    }
  }
  device_.restart_daemon();
  api::Status s;
  const bool settled = eventually(
      [&] {
        const ApiResponse r = device_.api().get_as_display("/api/v1/status");
        if (!r.ok()) {
          return false;
        }
        s = r.as<api::Status>();
        return is_latched(s.state()) || s.state() == api::STATE_STANDBY;
      },
      seconds(30));
  if (!settled) {
    throw DeviceError("rfneedled did not come back after the kill: " + api_json(s) +
                      device_.daemon_log_tail());
  }
  // The boards latched their dead-man: the core reports it at reconnection (SR-39, SR-53).
  if (!is_latched(s.state())) {
    fail("the device came back " + api::State_Name(s.state()) +
         " after the boards' dead-man latched, not latched");
  }
  // A restored latch is applied once the boards' own Fault has settled (SR-53): the device
  // must reach it (or a more severe one) before it can be treated again.
  if (stored_latch && !eventually(
                          [&] {
                            s = device_.status();
                            return s.state() >= api_state(*stored_latch);
                          },
                          seconds(5))) {
    fail("the store held the latch " + api::State_Name(api_state(*stored_latch)) +
         " at the kill; the device came back " + api::State_Name(s.state()));
  }
  // A new process: a new run of operator log-in and display (the old tokens ended).
  const std::string op = device_.login_operator();
  const std::set<std::string> causes = fault_causes(device_.status());
  if (causes.contains("self_test_failed")) {
    // The power-on self-test met the boards' dead-man latch (its dead-man check fails for a
    // board latched before its heartbeats paused) and the core locked: a crash then costs a
    // service call, which is a failure of the claim, reported; the campaign goes on after
    // the service reset a service engineer would make.
    fail(
        "the device came back in ServiceLock (self_test_failed: the self-test met the "
        "boards' dead-man latch), not a Fault the operator acknowledges");
    device_.reset(device_.login_service(),
                  "kill -9 campaign: self-test met the dead-man latch after a restart");
  }
  const auto give_up = std::chrono::steady_clock::now() + seconds(30);
  while (is_latched(device_.status().state())) {
    if (!device_.clear_host_fault() && !device_.clear_restored_host_lock(before_kill_)) {
      // 409 while the needles are still coming out, or once the latch has gone meanwhile
      // (the loop reads the state again).
      const ApiResponse r = device_.api().post("/api/v1/faults/acknowledge", op);
      if (!r.ok() && r.status != 409 && r.status != 503) {
        throw DeviceError("POST /api/v1/faults/acknowledge: " + r.describe());
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (std::chrono::steady_clock::now() > give_up) {
      throw DeviceError("the latch after the restart could not be cleared: " +
                        api_json(device_.status()) + device_.daemon_log_tail());
    }
  }
  // Left the restart's latch: from here a link fault is the live process starved.
  host_may_disturb([&] {
    (void)device_.wait_for_standby();
    run_ = std::make_unique<TreatmentRunner>(device_);
  });
}

void Kill9Campaign::check_records(const std::string& when) {
  const api::SessionDetail detail = device_.session(run_->operator_token(), session_);
  std::vector<RecordedPulse> records;
  std::size_t with_energy = 0;
  for (const api::Pulse& p : detail.pulses()) {
    if (p.kind() != api::PULSE_KIND_TREATMENT) {
      continue;
    }
    if (p.outcome() == api::PULSE_OUTCOME_STARTED) {
      fail(when + ": pulse " + std::to_string(p.pulse_id()) + " has only its started record");
      continue;
    }
    records.push_back(
        {p.pulse_id(), api::PulseOutcome_Name(p.outcome()), p.cause(), p.delivered_energy_uj()});
    with_energy += p.delivered_energy_uj() > 0 ? 1 : 0;
  }
  const SimHistory history = device_.history();
  std::size_t truth = 0;
  for (const SimPulse& p : history.pulses) {
    truth += p.n > baseline_pulse_ && p.rf_off_us ? 1 : 0;
  }
  figures_.delivered = truth;
  figures_.recorded = with_energy;
  const std::size_t lost = truth > with_energy ? truth - with_energy : 0;
  figures_.pulses_lost = std::max(figures_.pulses_lost, lost);
  for (const std::string& m : mismatches_with_truth(records, history, baseline_pulse_)) {
    fail(when + ": " + m);
  }
}

}  // namespace rfneedle::testing
