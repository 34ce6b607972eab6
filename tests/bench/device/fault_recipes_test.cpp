// The reaction benchmark's arithmetic: from the simulator's history to one reaction, and
// the cases it refuses to count.
#include "tests/bench/device/fault_recipes.h"

#include <gtest/gtest.h>

namespace rfneedle::bench {
namespace {

constexpr std::int64_t kPulse_us = 150'000;

const FaultRecipe& recipe(InjectedFault fault) {
  for (const FaultRecipe& r : kFaultRecipes) {
    if (r.fault == fault) {
      return r;
    }
  }
  throw std::logic_error("no recipe");
}

testing::SimHistory history(std::vector<testing::SimPulse> pulses,
                            std::vector<testing::SimInjection> injections) {
  testing::SimHistory h;
  h.sim_time_us = 10'000'000;
  h.pulses = std::move(pulses);
  h.injections = std::move(injections);
  return h;
}

TEST(ReactionFrom, CountsFromTheSampleOnWhichTheRuleHoldsToRfOff) {
  // A short injected at 1.050 s: samples at 1.051 and 1.052 s read it, so the condition is
  // true at 1.052 s; RF went off at 1.054 s.
  const auto h =
      history({{1, 1'000'000, 1'054'000, 0, 0}}, {{1, "impedance-short", 1'050'000, 1'060'000}});
  const ReactionOrWhy r = reaction_from(h, recipe(InjectedFault::kImpedanceShort), kPulse_us);
  ASSERT_TRUE(r.reaction) << r.why_not;
  EXPECT_EQ(r.reaction->condition_us, 1'052'000);
  EXPECT_EQ(r.reaction->reaction_us(), 2'000);
}

TEST(ReactionFrom, PowerDeviationIsTrueFiveMillisecondsAfterItsFirstSample) {
  const auto h =
      history({{1, 1'000'000, 1'060'000, 0, 0}}, {{1, "power-drift", 1'050'000, std::nullopt}});
  const ReactionOrWhy r = reaction_from(h, recipe(InjectedFault::kPowerDrift), kPulse_us);
  ASSERT_TRUE(r.reaction) << r.why_not;
  EXPECT_EQ(r.reaction->condition_us, 1'056'000);
}

TEST(ReactionFrom, TakesTheLatestInjectionAndThePulseHoldingIt) {
  const auto h = history({{1, 1'000'000, 1'150'000, 0, 0}, {2, 3'000'000, 3'043'000, 0, 0}},
                         {{1, "impedance-open", 1'050'000, 1'060'000},
                          {2, "impedance-short", 2'000'000, 2'000'500},
                          {3, "impedance-open", 3'040'000, 3'050'000}});
  const ReactionOrWhy r = reaction_from(h, recipe(InjectedFault::kImpedanceOpen), kPulse_us);
  ASSERT_TRUE(r.reaction) << r.why_not;
  EXPECT_EQ(r.reaction->rf_off_us, 3'043'000);
  EXPECT_EQ(r.reaction->reaction_us(), 1'000);
}

TEST(ReactionFrom, RefusesAnInjectionWhileNoRfReachedTheLoad) {
  const auto h =
      history({{1, 1'000'000, 1'150'000, 0, 0}}, {{1, "impedance-short", 1'200'000, 1'210'000}});
  const ReactionOrWhy r = reaction_from(h, recipe(InjectedFault::kImpedanceShort), kPulse_us);
  EXPECT_FALSE(r.reaction);
  EXPECT_NE(r.why_not.find("no RF"), std::string::npos) << r.why_not;
}

TEST(ReactionFrom, RefusesAPulseThatEndedBeforeTheCondition) {
  // Something else (a gap fault, say) ended the pulse 1 ms after the injection.
  const auto h = history({{1, 1'000'000, 1'051'000, 0, 0}},
                         {{1, "thermistor-pair-disagree", 1'050'000, 1'070'000}});
  EXPECT_FALSE(reaction_from(h, recipe(InjectedFault::kSkinOverTemperature), kPulse_us).reaction);
  const auto power =
      history({{1, 1'000'000, 1'056'000, 0, 0}}, {{1, "power-drift", 1'050'000, 1'070'000}});
  EXPECT_FALSE(reaction_from(power, recipe(InjectedFault::kPowerDrift), kPulse_us).reaction);
}

TEST(ReactionFrom, RefusesAConditionNearThePulsesPlannedEnd) {
  // True at 1.146 s, 4 ms before the generator ends the pulse by itself at 1.150 s.
  const auto h =
      history({{1, 1'000'000, 1'150'000, 0, 0}}, {{1, "power-drift", 1'140'000, std::nullopt}});
  const ReactionOrWhy r = reaction_from(h, recipe(InjectedFault::kPowerDrift), kPulse_us);
  EXPECT_FALSE(r.reaction);
  EXPECT_NE(r.why_not.find("planned end"), std::string::npos) << r.why_not;
}

TEST(ReactionFrom, RefusesAHistoryWithoutTheInjection) {
  const auto h = history({{1, 1'000'000, 1'054'000, 0, 0}}, {});
  EXPECT_FALSE(reaction_from(h, recipe(InjectedFault::kImpedanceShort), kPulse_us).reaction);
}

}  // namespace
}  // namespace rfneedle::bench
