// Generator model: a finite source (voltage and current limits), ramp, relay, noise,
// energy and heatsink (DESIGN 5).
#include "simulator/model/generator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "simulator/model/physical.h"
#include "simulator/model/tissue.h"

namespace rfneedle::sim {
namespace {

using std::chrono::milliseconds;

GeneratorModel delivering(Milliwatts setpoint, std::uint64_t seed = 1) {
  GeneratorConfig config;
  config.seed = seed;
  GeneratorModel generator(config);
  generator.set_relay_closed(true);
  generator.set_power_setpoint(setpoint);
  generator.set_output_enabled(true);
  return generator;
}

void run(GeneratorModel& generator, Ohms load, Duration time) {
  for (Duration t{0}; t < time; t += milliseconds(1)) generator.step(milliseconds(1), load);
}

TEST(Generator, HoldsItsSetpointIntoATissueRangeLoad) {
  GeneratorModel generator = delivering(watts(10));
  run(generator, Ohms(300), milliseconds(5));
  EXPECT_EQ(generator.delivered_power(), watts(10));
  EXPECT_TRUE(generator.rf_on());
}

TEST(Generator, PowerSagsToTheVoltageLimitIntoAHighImpedance) {
  GeneratorModel generator = delivering(watts(50));
  run(generator, Ohms(600), milliseconds(5));
  // 120 V rms into 600 ohm: 24 W, not 50 W.
  EXPECT_NEAR(watts_of(generator.delivered_power()), 24.0, 0.01);
  EXPECT_EQ(generator.output_voltage(), Millivolts(120'000));
}

TEST(Generator, CannotDriveAnOpenCircuit) {
  GeneratorModel generator = delivering(watts(10));
  run(generator, kOpenCircuit, milliseconds(5));
  EXPECT_LT(generator.delivered_power(), Milliwatts(150));
}

TEST(Generator, CurrentLimitCapsPowerIntoALowImpedance) {
  GeneratorModel generator = delivering(watts(50));
  run(generator, Ohms(10), milliseconds(5));
  // 1.5 A rms into 10 ohm: 22.5 W.
  EXPECT_NEAR(watts_of(generator.delivered_power()), 22.5, 0.01);
}

TEST(Generator, RampsUpOver2msAndTurnsOffWithinOneStep) {
  GeneratorModel generator = delivering(watts(10));
  generator.step(milliseconds(1), Ohms(300));
  EXPECT_EQ(generator.delivered_power(), watts(5));
  generator.step(milliseconds(1), Ohms(300));
  EXPECT_EQ(generator.delivered_power(), watts(10));
  generator.set_output_enabled(false);
  generator.step(milliseconds(1), Ohms(300));
  EXPECT_EQ(generator.delivered_power(), Milliwatts(0));
  EXPECT_FALSE(generator.rf_on());
}

TEST(Generator, OpenRelayDeliversNothingWhateverTheStageDoes) {
  GeneratorModel generator = delivering(watts(10));
  generator.set_stuck_on(watts(20));
  generator.set_relay_closed(false);
  run(generator, Ohms(300), milliseconds(5));
  EXPECT_EQ(generator.delivered_power(), Milliwatts(0));
  EXPECT_EQ(generator.output_current(), Milliamps(0));
}

TEST(GeneratorFaultHooks, StuckOnDeliversWithOutputDisabled) {
  GeneratorModel generator = delivering(watts(10));
  generator.set_output_enabled(false);
  generator.set_stuck_on(watts(20));
  run(generator, Ohms(300), milliseconds(5));
  EXPECT_EQ(generator.delivered_power(), watts(20));
}

TEST(GeneratorFaultHooks, PowerDriftScalesWhatIsDeliveredAndMeasured) {
  GeneratorModel generator = delivering(watts(10));
  generator.set_power_drift(0.3);
  run(generator, Ohms(300), milliseconds(5));
  EXPECT_EQ(generator.delivered_power(), watts(13));
  EXPECT_NEAR(watts_of(generator.reading().power), 13.0, 0.6);
}

TEST(Generator, IntegratesDeliveredEnergy) {
  GeneratorModel generator = delivering(watts(10));
  run(generator, Ohms(300), milliseconds(100));
  generator.set_output_enabled(false);
  run(generator, Ohms(300), milliseconds(10));
  // 10 W for 100 ms, less half a millisecond's worth in the ramp.
  EXPECT_EQ(generator.delivered_energy(), Microjoules(995'000));
  generator.reset_energy();
  EXPECT_EQ(generator.delivered_energy(), Microjoules(0));
}

TEST(Generator, MeasuresWithAboutOnePercentNoise) {
  GeneratorModel generator = delivering(watts(10));
  run(generator, Ohms(300), milliseconds(5));
  double sum = 0;
  double sum_sq = 0;
  constexpr int kSamples = 2'000;
  for (int i = 0; i < kSamples; ++i) {
    generator.step(milliseconds(1), Ohms(300));
    const double z = ohms_of(generator.reading().impedance) / 300.0 - 1.0;
    sum += z;
    sum_sq += z * z;
  }
  const double mean = sum / kSamples;
  const double sigma = std::sqrt(sum_sq / kSamples - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.003);
  // Z = V / I from two independent 1 % detectors: sqrt(2) %.
  EXPECT_NEAR(sigma, 0.014, 0.003);
}

TEST(Generator, SameSeedGivesTheSameReadings) {
  auto readings = [](std::uint64_t seed) {
    GeneratorModel generator = delivering(watts(10), seed);
    std::vector<std::int64_t> powers;
    for (int i = 0; i < 50; ++i) {
      generator.step(milliseconds(1), Ohms(300));
      powers.push_back(generator.reading().power.value());
    }
    return powers;
  };
  EXPECT_EQ(readings(7), readings(7));
  EXPECT_NE(readings(7), readings(8));
}

TEST(Generator, ProbesImpedanceWithoutDeliveringEnergy) {
  GeneratorModel generator = delivering(watts(10));
  generator.set_output_enabled(false);
  EXPECT_NEAR(ohms_of(generator.probe_impedance(Ohms(400))), 400.0, 40.0);
  generator.step(milliseconds(1), Ohms(400));
  EXPECT_NEAR(ohms_of(generator.reading().impedance), 400.0, 40.0);
  EXPECT_EQ(generator.delivered_energy(), Microjoules(0));
  generator.set_relay_closed(false);
  EXPECT_EQ(generator.probe_impedance(Ohms(400)), kOpenCircuit);
}

TEST(Heatsink, IdlesAFewDegreesAboveTheRoomAndWarmsWithOutput) {
  GeneratorModel idle = delivering(Milliwatts(0));
  idle.step(std::chrono::seconds(1'200), Ohms(300));
  EXPECT_NEAR(celsius_of(idle.heatsink_temperature()), 25.0 + 4.0, 0.1);

  GeneratorModel busy = delivering(watts(50));
  run(busy, Ohms(100), milliseconds(5));
  busy.step(std::chrono::seconds(120), Ohms(100));
  // Losses 4 W + 50 W x 0.3 / 0.7; 63 % of the rise after one time constant.
  const double settled_rise = 4.0 + 50.0 * 0.3 / 0.7;
  EXPECT_NEAR(celsius_of(busy.heatsink_temperature()) - 25.0, 0.63 * settled_rise, 0.5);
}

TEST(GeneratorFaultHooks, HeatsinkOverheatRampsToItsTarget) {
  GeneratorModel generator = delivering(Milliwatts(0));
  generator.set_heatsink_heating(HeatsinkHeating{celsius(80), celsius(1)});
  generator.step(std::chrono::seconds(10), Ohms(300));
  EXPECT_EQ(generator.heatsink_temperature(), celsius(35));
  generator.step(std::chrono::seconds(60), Ohms(300));
  EXPECT_EQ(generator.heatsink_temperature(), celsius(80));
}

}  // namespace
}  // namespace rfneedle::sim
