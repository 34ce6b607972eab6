// Skin thermistor model: lag behind the skin surface, noise, and its failure modes.
#include "simulator/model/skin_thermistor.h"

#include <gtest/gtest.h>

#include <vector>

#include "simulator/model/physical.h"

namespace rfneedle::sim {
namespace {

using std::chrono::milliseconds;

SkinThermistor settled_at_33c(std::uint64_t seed = 1) {
  ThermistorConfig config;
  config.seed = seed;
  return SkinThermistor(config, celsius(33));
}

void expose(SkinThermistor& thermistor, MilliCelsius skin, Duration time) {
  for (Duration t{0}; t < time; t += milliseconds(1)) thermistor.step(milliseconds(1), skin);
}

TEST(SkinThermistor, FollowsAStepOfTheSkinWithAHalfSecondLag) {
  SkinThermistor thermistor = settled_at_33c();
  expose(thermistor, celsius(43), milliseconds(500));
  // 63 % of the 10 degC step after one time constant, within the reading noise.
  EXPECT_NEAR(celsius_of(thermistor.reading()), 33.0 + 6.32, 0.15);
  expose(thermistor, celsius(43), milliseconds(3'000));
  EXPECT_NEAR(celsius_of(thermistor.reading()), 43.0, 0.15);
}

TEST(SkinThermistor, SameSeedGivesTheSameReadings) {
  auto readings = [](std::uint64_t seed) {
    SkinThermistor thermistor = settled_at_33c(seed);
    std::vector<std::int64_t> values;
    for (int i = 0; i < 50; ++i) {
      thermistor.step(milliseconds(1), celsius(33));
      values.push_back(thermistor.reading().value());
    }
    return values;
  };
  EXPECT_EQ(readings(3), readings(3));
  EXPECT_NE(readings(3), readings(4));
}

TEST(SkinThermistorFaultHooks, OpenReadsMinus40CAndShortReads150C) {
  SkinThermistor thermistor = settled_at_33c();
  thermistor.set_fault(ThermistorFault::kOpen);
  thermistor.step(milliseconds(1), celsius(33));
  EXPECT_EQ(thermistor.reading(), celsius(-40));
  thermistor.set_fault(ThermistorFault::kShort);
  thermistor.step(milliseconds(1), celsius(33));
  EXPECT_EQ(thermistor.reading(), celsius(150));
  thermistor.set_fault(ThermistorFault::kNone);
  thermistor.step(milliseconds(1), celsius(33));
  EXPECT_NEAR(celsius_of(thermistor.reading()), 33.0, 0.15);
}

TEST(SkinThermistorFaultHooks, StuckHoldsItsLastReadingWhileTheSkinHeats) {
  SkinThermistor thermistor = settled_at_33c();
  thermistor.step(milliseconds(1), celsius(33));
  const MilliCelsius before = thermistor.reading();
  thermistor.set_fault(ThermistorFault::kStuck);
  expose(thermistor, celsius(45), milliseconds(2'000));
  EXPECT_EQ(thermistor.reading(), before);
}

TEST(SkinThermistorFaultHooks, OffsetShiftsTheReading) {
  SkinThermistor thermistor = settled_at_33c();
  thermistor.set_offset(celsius(4));
  thermistor.step(milliseconds(1), celsius(33));
  EXPECT_NEAR(celsius_of(thermistor.reading()), 37.0, 0.15);
}

}  // namespace
}  // namespace rfneedle::sim
