// A treatment driven through rfneedled's API as a clinician would (a display connected and
// heartbeating, a session with its checklist answered, parameters, arm), on a machine whose
// scheduling may not keep up: the host caveat of docs/operations.md ("Testing with the real
// processes"). A vCPU preempted for a few milliseconds while a pulse is delivered makes the
// core declare a telemetry gap (SR-40, > 2 ms while energizing), correctly, and that Fault
// says nothing about what a test checks. The runner therefore applies one policy:
//
// - A latched state whose fault causes are only `generator_telemetry_gap` /
//   `actuator_telemetry_gap` is the host's: a Fault is acknowledged (operator); a
//   ServiceLock the core entered because such gaps reached 3 in the session (SR-56) is reset
//   by the service role with a reason (DeviceProcesses::clear_host_fault()); the treatment
//   is armed again and carries on. Each is counted and printed.
// - A latched state the host made beyond that (a link fault after a long stall:
//   is_host_disturbed) ends the run with HostDisturbed; on_fresh_processes() starts again.
// - A latched state with any other cause ends the run with DeviceError, unless the caller
//   expected that cause (a fault it injected): then run_until() returns it to the caller.
// - Every pulse record, including those the host's faults cut short, must still match the
//   simulator's ground truth (mismatches_with_truth()).
//
//   TreatmentRunner run(device);                        // display connected, operator in
//   run.open(DeviceProcesses::parameters(2000, 10000, 100));
//   run.arm();
//   run.run_until([&](const api::Status&) { return run.completed_pulses() >= 20; });
//   EXPECT_THAT(run.mismatches_with_truth(), IsEmpty());
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proto/api.pb.h"
#include "tests/support/api_client.h"
#include "tests/support/device_processes.h"

namespace rfneedle::testing {

// A pulse record as the comparison with ground truth needs it: from the API or the store.
struct RecordedPulse {
  std::uint64_t pulse_id = 0;
  std::string outcome;  // e.g. "PULSE_OUTCOME_ABORTED"
  std::string cause;
  std::int64_t delivered_energy_uj = 0;
};
[[nodiscard]] std::vector<RecordedPulse> recorded(const std::vector<api::Pulse>& records);

// The records that delivered energy, by pulse ID, paired in order with the simulator's
// finished RF pulses numbered above `baseline`: one line per disagreement (the counts
// differ, or an energy is off the truth by more than `tolerance` of it). Empty when every
// record matches.
[[nodiscard]] std::vector<std::string> mismatches_with_truth(std::vector<RecordedPulse> records,
                                                             const SimHistory& history,
                                                             std::int64_t baseline,
                                                             double tolerance = 0.03);

class TreatmentRunner {
 public:
  // Logs the operator in and connects the display; waits until the core counts the display
  // live (no display_stale).
  explicit TreatmentRunner(DeviceProcesses& device);

  // Opens a session (checklist all NO) and sets the parameters; what the simulator had
  // delivered before this is not part of the treatment.
  std::uint64_t open(const api::ParametersRequest& parameters,
                     api::BodyArea area = api::BODY_AREA_CHEEK);
  // Resumes an interrupted session (POST /session/{id}/resume, SR-89) with the cartridge
  // bound to it and sets the parameters; what the simulator delivered before this is not
  // part of what this runner counts.
  void resume(std::uint64_t session, const api::ParametersRequest& parameters);
  // Arms (unless armed already) once the display is live and the boards have their set-up;
  // run_until() arms again after it clears a host fault.
  void arm();
  // Disarms (after the pulse under way, if any) and waits for Standby; clearing a host
  // fault on the way no longer arms again.
  void disarm();

  // Follows the display's snapshots until `done` holds for one, applying the policy above
  // to every latched state on the way; returns that snapshot. Throws DeviceError when the
  // time runs out or an unexpected fault latches. A latched state with a cause in
  // `expected` ends the wait too (the caller handles it).
  api::Status run_until(const std::function<bool(const api::Status&)>& done,
                        std::chrono::milliseconds limit = std::chrono::seconds(60),
                        const std::set<std::string>& expected = {});

  // Treatment pulses of the session the display has seen end (any outcome) and completed.
  [[nodiscard]] std::size_t ended_pulses() const { return ended_.size(); }
  [[nodiscard]] std::size_t completed_pulses() const { return completed_.size(); }

  // The session's final treatment records, from the store (GET /sessions/{id}), by ID.
  [[nodiscard]] std::vector<api::Pulse> records() const;
  // The session's records against the simulator's pulses since open() (the free function
  // above).
  [[nodiscard]] std::vector<std::string> mismatches_with_truth(double tolerance = 0.03) const;

  [[nodiscard]] DisplayClient& display() { return *display_; }
  [[nodiscard]] const std::string& operator_token() const { return operator_token_; }
  [[nodiscard]] std::uint64_t session_id() const { return session_id_; }
  // The simulator's pulse number (`n`) last delivered before open(); 0 for none.
  [[nodiscard]] std::int64_t baseline_pulse() const { return baseline_pulse_; }
  // How many host faults were cleared since the processes started.
  [[nodiscard]] std::size_t host_faults() const { return device_.host_fault_log().size(); }

 private:
  void note_pulses(const api::Status& status);
  // A latch the harness cannot clear: HostDisturbed when the host made it, else DeviceError.
  [[noreturn]] void throw_latched(const std::string& what, const api::Status& now) const;
  void wait_for_display_live();

  DeviceProcesses& device_;
  std::unique_ptr<DisplayClient> display_;
  std::string operator_token_;
  std::uint64_t session_id_ = 0;
  std::int64_t baseline_pulse_ = 0;
  std::uint64_t seen_snapshots_ = 0;
  std::set<std::uint64_t> ended_;
  std::set<std::uint64_t> completed_;
  bool armed_ = false;
};

}  // namespace rfneedle::testing
