// Shared steps of the whole-device scenarios (tests/support/whole_device.h): faults are
// injected into the simulated boards by name, exactly as rfneedle-sim's control socket
// does, and the verdicts are read from the simulator's ground truth and the boards' own
// clocks, never from what the controller believes.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "simulator/faults.h"
#include "tests/support/whole_device.h"

namespace rfneedle::testing {

using core::Condition;
using core::State;

inline void inject(WholeDevice& d, std::string_view name,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> params = {},
                   std::optional<Duration> duration = std::nullopt) {
  const std::optional<sim::FaultKind> kind = sim::fault_by_name(name);
  ASSERT_TRUE(kind.has_value()) << name;
  sim::FaultParameters p(*kind);
  for (const auto& [key, value] : params) {
    ASSERT_FALSE(p.set(key, value).has_value()) << name << " " << key << "=" << value;
  }
  d.device.inject(p, d.now(), duration);
}

// Ready, trigger held, `ms` into RF on in the ground truth, logs cleared.
inline void energize(WholeDevice& d, int ms,
                     const core::PulseParameters& p = WholeDevice::parameters()) {
  ASSERT_TRUE(d.ready(p));
  d.device.press_trigger();
  ASSERT_TRUE(d.run_until([&] { return d.device.ground_truth().rf_on; }, seconds(1)));
  d.run(milliseconds(ms));
  d.clear_logs();
}

// Milliseconds from truth index `from` until the ground truth shows RF off and stays off
// for the rest of the run; nothing if it never turned off.
[[nodiscard]] inline std::optional<int> ms_until_rf_off(const WholeDevice& d, std::size_t from) {
  std::size_t last_on = from;
  bool seen_on = false;
  for (std::size_t i = from; i < d.truth.size(); ++i) {
    if (d.truth[i].rf_on) {
      last_on = i;
      seen_on = true;
    }
  }
  if (!seen_on) {
    return 0;
  }
  if (last_on + 1 >= d.truth.size()) {
    return std::nullopt;
  }
  return static_cast<int>(last_on + 1 - from);
}

// Pulses the generator really delivered: rising edges of RF in the ground truth.
[[nodiscard]] inline int pulses_delivered(const WholeDevice& d) {
  int pulses = 0;
  for (std::size_t i = 1; i < d.truth.size(); ++i) {
    pulses += d.truth[i].rf_on && !d.truth[i - 1].rf_on ? 1 : 0;
  }
  return pulses;
}

// DESIGN 2.3: the needles never move out while RF is on, from truth index `from`.
[[nodiscard]] inline bool retracted_while_rf_on(const WholeDevice& d, std::size_t from) {
  for (std::size_t i = std::max<std::size_t>(from, 1); i < d.truth.size(); ++i) {
    if (d.truth[i].rf_on && d.truth[i].needle_position < d.truth[i - 1].needle_position) {
      return true;
    }
  }
  return false;
}

// RF off at the generator within `ms` of the core raising `c` (SR-52: onset plus
// persistence, then 3 ms), in the simulator's clock.
inline void expect_rf_off_within_of_raise(const WholeDevice& d, Condition c, int ms) {
  const std::optional<Instant> at = d.raised_at(c);
  ASSERT_TRUE(at.has_value()) << core::spec(c).name << " never raised";
  const std::optional<int> off = ms_until_rf_off(d, d.truth_index(*at));
  ASSERT_TRUE(off.has_value()) << "RF never turned off";
  EXPECT_LE(*off, ms) << core::spec(c).name;
}

// The latched safe state: RF off, the relay open, the needles withdrawn.
inline void expect_safe_state(const WholeDevice& d, std::size_t from, int rf_off_within_ms) {
  const std::optional<int> off = ms_until_rf_off(d, from);
  ASSERT_TRUE(off.has_value()) << "RF never turned off";
  EXPECT_LE(*off, rf_off_within_ms);
  EXPECT_FALSE(retracted_while_rf_on(d, from));
  const sim::GroundTruth& now = d.truth.back();
  EXPECT_FALSE(now.rf_on);
  EXPECT_FALSE(now.relay_closed);
}

// A fault row: the condition raised, Fault with a high-priority alarm, and the safe state
// reached in order with RF off within `rf_off_within_ms` of truth index `from`.
inline void expect_fault(WholeDevice& d, Condition c, std::size_t from, int rf_off_within_ms) {
  EXPECT_TRUE(d.raised(c)) << core::spec(c).name;
  EXPECT_EQ(d.core().state(), State::kFault) << core::spec(c).name;
  EXPECT_EQ(d.core().status().priority, core::AlarmPriority::kHigh);
  expect_safe_state(d, from, rf_off_within_ms);
}

}  // namespace rfneedle::testing
