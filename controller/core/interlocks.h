// The set of ladder conditions in effect, and arbitration: the most severe action wins,
// and each condition leaves only by its own clear policy (DESIGN 4).
#pragma once

#include <array>
#include <bitset>

#include "controller/core/ladder.h"
#include "hal/time.h"

namespace rfneedle::core {

enum class Change : std::uint8_t { kNone, kRaised, kCleared };

class Interlocks {
 public:
  // Reports whether the detector currently sees the cause. Returns kRaised the first time
  // a condition takes effect, kCleared when it leaves effect through its policy.
  [[nodiscard]] Change set(Condition condition, bool present, Instant now);

  [[nodiscard]] bool present(Condition c) const { return present_[index(c)]; }
  [[nodiscard]] bool in_effect(Condition c) const { return in_effect_[index(c)]; }
  [[nodiscard]] Instant since(Condition c) const { return since_[index(c)]; }

  // Policy-driven clears; each returns the conditions that left effect.
  std::bitset<kConditionCount> begin_pulse();
  std::bitset<kConditionCount> good_measurement();
  // Clears faults whose cause is gone; false (nothing cleared) while any fault cause is
  // still present.
  [[nodiscard]] bool acknowledge_possible() const;
  std::bitset<kConditionCount> acknowledge();
  // A service reset clears every latch whose cause is gone.
  std::bitset<kConditionCount> service_reset();

  [[nodiscard]] Action most_severe() const;
  [[nodiscard]] bool any_in_effect_at(Action action) const;
  // A new pulse may start only with no block, wait or latched condition in effect.
  [[nodiscard]] bool new_pulse_allowed() const;
  [[nodiscard]] AlarmPriority highest_priority() const;
  [[nodiscard]] const std::bitset<kConditionCount>& in_effect() const { return in_effect_; }

 private:
  std::bitset<kConditionCount> clear_where(ClearPolicy policy, bool only_if_cause_gone);

  std::bitset<kConditionCount> present_;
  std::bitset<kConditionCount> in_effect_;
  std::array<Instant, kConditionCount> since_{};
};

}  // namespace rfneedle::core
