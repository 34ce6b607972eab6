#include "tests/bench/device/fault_recipes.h"

namespace rfneedle::bench {

ReactionOrWhy reaction_from(const testing::SimHistory& history, const FaultRecipe& recipe,
                            std::int64_t pulse_duration_us) {
  const testing::SimInjection* injection = history.injection(recipe.sim_fault);
  if (injection == nullptr) {
    return {std::nullopt, "no " + std::string(recipe.sim_fault) + " in the simulator's history"};
  }
  const testing::SimPulse* pulse = nullptr;
  for (const testing::SimPulse& p : history.pulses) {
    if (p.rf_on_us <= injection->at_us && (!p.rf_off_us || *p.rf_off_us > injection->at_us)) {
      pulse = &p;
    }
  }
  if (pulse == nullptr) {
    return {std::nullopt,
            "injected at " + std::to_string(injection->at_us) + " us while no RF reached the load"};
  }
  if (!pulse->rf_off_us) {
    return {std::nullopt, "RF is still on in pulse " + std::to_string(pulse->n)};
  }
  const Reaction r{injection->at_us + recipe.condition_after_us, *pulse->rf_off_us};
  constexpr std::int64_t kEndMargin_us = 5'000;
  if (r.condition_us > pulse->rf_on_us + pulse_duration_us - kEndMargin_us) {
    return {std::nullopt, "injected " + std::to_string(injection->at_us - pulse->rf_on_us) +
                              " us into pulse " + std::to_string(pulse->n) +
                              ", too close to its planned end"};
  }
  // RF off on the very tick whose sample first shows the condition means it went off before
  // that sample was even sent: something else ended the pulse.
  if (r.rf_off_us <= r.condition_us) {
    return {std::nullopt, "pulse " + std::to_string(pulse->n) + " ended at " +
                              std::to_string(r.rf_off_us) + " us, not after the condition (" +
                              std::to_string(r.condition_us) + " us)"};
  }
  return {r, {}};
}

}  // namespace rfneedle::bench
