// The reaction run: treatment after treatment through rfneedled's API, each with one fault
// injected at a random moment mid-pulse, its reaction read from the simulator's history.
//
// One fault a treatment, as an operator would meet them: log-in once, then for each fault
// a fresh cartridge (the simulator's `cartridge swap`), a new session, the parameters,
// arm, the trigger pressed; once RF is on, the fault is injected after a seeded random
// delay; once RF is off it is cleared and the trigger released. The harness then brings
// the device back the way the rules say: an operator acknowledge for a Fault, a service
// reset with a reason for a ServiceLock, a disarm after an aborted pulse; then the session
// is closed. Nothing is relaxed: escalation and the cartridge rules are the configured ones.
//
// A fault counts as measured when the core raised the condition that must catch it
// (FaultRecipe::condition) before any other fault; a telemetry gap fault (SR-40: > 2 ms
// while energizing) raised first is the host's scheduling, counted apart.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/bench/device/fault_recipes.h"
#include "tests/support/api_client.h"
#include "tests/support/device_processes.h"

namespace rfneedle::bench {

struct ReactionRunOptions {
  int faults = 300;  // measured reactions wanted
  std::uint64_t seed = 1;
  // The treatment: 2.0 mm, 8 W for 150 ms (1.2 J, within the 1.55 J of the simulator's
  // 25-needle cartridge); faults are injected 10 to 130 ms after RF came on, so even the
  // power check's 3 ms blanking and 7 ms persistence end well inside the pulse.
  std::int32_t depth_um = 2'000;
  std::int32_t power_mw = 8'000;
  std::int32_t duration_ms = 150;
  std::int32_t earliest_injection_ms = 10;
  std::int32_t latest_injection_ms = 130;
};

struct ReactionTotals {
  std::vector<double> reactions_ms;                     // every measured fault
  std::map<std::string, std::vector<double>> by_fault;  // the same, by FaultRecipe::label
  int host_gap_faults = 0;  // telemetry gap faults raised during the run, anywhere
  int device_restarts = 0;  // devices lost to a link fault and started anew
  int gap_preempted = 0;    // injected faults whose pulse a gap fault ended first
  int unmeasured = 0;       // injected faults with no reaction for another reason
  int service_resets = 0;   // ServiceLocks reset with the service role
};

// A latched link fault: rfneedled has no way back from one but a restart (the core
// clears it only once the link is back, and nothing re-handshakes a faulted link session).
class DeviceLost : public testing::DeviceError {
 public:
  using testing::DeviceError::DeviceError;
};

// `faults` faults, each kind equally often, in an order drawn from `random`.
[[nodiscard]] std::vector<const FaultRecipe*> fault_order(int faults, std::mt19937_64& random);

class ReactionRun {
 public:
  // Adds what it measures to `totals`; draws the injection moments from `random`.
  ReactionRun(testing::DeviceProcesses& device, testing::DisplayClient& display,
              const ReactionRunOptions& options, std::mt19937_64& random, ReactionTotals& totals);

  // Treats with order[next], order[next + 1], ..., advancing `next` past each treatment
  // done; while fewer than options.faults were measured at the end, `order` grows by as
  // many (to at most twice options.faults). Throws DeviceLost when a link fault ends what this
  // device can do (the caller starts a new one and carries on from `next`), testing::DeviceError
  // when the device cannot be brought back to a new treatment for another reason.
  void run(std::vector<const FaultRecipe*>& order, std::size_t& next);

 private:
  void run_each(std::vector<const FaultRecipe*>& order, std::size_t& next);
  void extend_while_short(std::vector<const FaultRecipe*>& order, std::size_t next);
  void treat_with(const FaultRecipe& recipe);
  void classify(const FaultRecipe& recipe, const ReactionOrWhy& measured, std::size_t first_event);
  // From whatever state the last treatment left: acknowledge, reset, disarm, then close the
  // session; returns in Standby with no session open.
  void back_to_standby();
  void swap_cartridge();
  void warm_skin();
  void wait_for_skin_to_cool();
  void wait_until_ready();
  // Polls the simulator until RF reaches the load (`on`) or stops; false after `limit`.
  bool wait_for_rf(bool on, std::chrono::milliseconds limit);
  const std::string& service_token();
  [[nodiscard]] int count_gap_faults() const;

  testing::DeviceProcesses& device_;
  testing::DisplayClient& display_;
  const ReactionRunOptions& options_;
  std::mt19937_64& random_;
  ReactionTotals& totals_;
  std::string operator_token_;
  std::string service_token_;
  std::size_t run_first_event_ = 0;
  std::size_t treatment_ = 0;
  // Every session opened, retries included: each is a new patient, so the course rule
  // (SR-88, one area at most every 28 days) never refuses a retried treatment's session.
  std::size_t sessions_opened_ = 0;
};

}  // namespace rfneedle::bench
