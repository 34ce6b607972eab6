// The faults the reaction benchmark injects mid-pulse, each one the controller must catch
// from telemetry within 3 ms (SR-52), and when its condition becomes true in the
// simulator's clock.
//
// The simulator handles a control request at the time of its last 1 kHz tick (`at_us` in
// its history) and the next tick, at at_us + 1 ms, is the first whose sample shows the
// fault. The condition becomes true on the sample on which the detection rule of
// docs/safety.md's fault table first holds, samples being 1 ms apart:
//
//   impedance short  < 25 ohm for 2 samples (SR-13, fault)          at_us + 2 ms
//   impedance open   > 1500 ohm for 2 samples (SR-12, abort pulse)  at_us + 2 ms
//   skin over-temp.  higher thermistor >= 45 degC, 1 sample (SR-26)  at_us + 1 ms
//   power drift      > 20 % off set-point for > 5 ms (SR-15)        at_us + 6 ms
//
// (the power's first sample off its set-point is at at_us + 1 ms, and docs/safety.md 1.3
// counts the deadline from the end of the 5 ms the deviation must last; the core, timing
// the 5 ms on its own clock, acts on the sample 5 or 6 ms after the first one). The
// reaction is the `rf_off_us` of the pulse the fault ended minus that moment, both in the
// simulator's clock, whose 1 ms ticks make it a whole number of milliseconds.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/device_processes.h"

namespace rfneedle::bench {

enum class InjectedFault { kImpedanceShort, kImpedanceOpen, kSkinOverTemperature, kPowerDrift };

struct FaultRecipe {
  InjectedFault fault;
  std::string_view label;           // in figures and messages
  std::string_view sim_fault;       // the simulator's fault, as its history names it
  std::string_view inject;          // the control request that injects it
  std::string_view condition;       // the core's condition that must catch it
  std::int64_t condition_after_us;  // from the injection's at_us to the condition being true
  // Skin over-temperature: the skin is warmed first (skin-heating to kWarmSkinC), so that a
  // +4.5 degC step of one thermistor (within SR-28's plausible rate, cleared long before its
  // 500 ms disagreement limit) puts the higher reading at or above 45 degC.
  bool warm_skin;
};

inline constexpr double kWarmSkinC = 42.0;

inline constexpr std::array<FaultRecipe, 4> kFaultRecipes = {{
    {InjectedFault::kImpedanceShort, "impedance_short", "impedance-short",
     "inject impedance-short ohms=2", "short_circuit", 2'000, false},
    {InjectedFault::kImpedanceOpen, "impedance_open", "impedance-open", "inject impedance-open",
     "contact_lost", 2'000, false},
    {InjectedFault::kSkinOverTemperature, "skin_over_temperature", "thermistor-pair-disagree",
     "inject thermistor-pair-disagree offset=4.5", "skin_overheat", 1'000, true},
    {InjectedFault::kPowerDrift, "power_drift", "power-drift",
     "inject power-drift rate=-100000 limit=50", "power_deviation", 6'000, false},
}};

// When the condition became true and when RF went off, from the simulator's history.
struct Reaction {
  std::int64_t condition_us = 0;
  std::int64_t rf_off_us = 0;
  [[nodiscard]] std::int64_t reaction_us() const { return rf_off_us - condition_us; }
};

// The reaction to the latest injection of `recipe`'s fault in pulses planned to last
// `pulse_duration_us`; or why there is none: no such injection, it did not fall inside a
// pulse, its condition came within 5 ms of the pulse's planned end (where the generator's
// own end could pass for a reaction), or the pulse ended no later than the tick
// of the condition.
struct ReactionOrWhy {
  std::optional<Reaction> reaction;
  std::string why_not;
};
[[nodiscard]] ReactionOrWhy reaction_from(const testing::SimHistory& history,
                                          const FaultRecipe& recipe,
                                          std::int64_t pulse_duration_us);

}  // namespace rfneedle::bench
