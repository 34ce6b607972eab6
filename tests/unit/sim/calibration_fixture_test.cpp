// Calibration fixture: reference loads across the tissue range and a reference meter.
#include "simulator/model/calibration_fixture.h"

#include <gtest/gtest.h>

#include "simulator/model/generator.h"
#include "simulator/model/physical.h"

namespace rfneedle::sim {
namespace {

using std::chrono::milliseconds;

TEST(CalibrationFixture, CarriesReferenceLoadsOf100To600Ohm) {
  CalibrationFixture fixture;
  const Ohms expected[] = {Ohms(100), Ohms(200), Ohms(400), Ohms(600)};
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(fixture.select_load(i));
    EXPECT_EQ(fixture.load(), expected[i]);
  }
  EXPECT_FALSE(fixture.select_load(4));
  EXPECT_EQ(fixture.load(), Ohms(600));
}

TEST(CalibrationFixture, MeterReadsTheTruePowerWithItsSmallError) {
  CalibrationFixture fixture;
  for (int i = 0; i < 100; ++i) {
    fixture.step(milliseconds(1), watts(20));
    EXPECT_NEAR(watts_of(fixture.meter_power()), 20.0 * 1.005, 20.0 * 0.01);
  }
  // 20 W for 100 ms is 2 J; the meter integrates it within its error.
  EXPECT_NEAR(static_cast<double>(fixture.meter_energy().value()), 2.01e6, 2e6 * 0.002);
  fixture.reset_meter_energy();
  EXPECT_EQ(fixture.meter_energy(), Microjoules(0));
}

TEST(CalibrationFixture, MeasuresTheGeneratorIntoEachLoad) {
  CalibrationFixture fixture;
  ASSERT_TRUE(fixture.select_load(3));
  GeneratorModel generator;
  generator.set_relay_closed(true);
  generator.set_power_setpoint(watts(30));
  generator.set_output_enabled(true);
  for (int ms = 0; ms < 10; ++ms) {
    generator.step(milliseconds(1), fixture.load());
    fixture.step(milliseconds(1), generator.delivered_power());
  }
  // 30 W cannot be held into 600 ohm at 120 V: the meter sees the 24 W truly delivered.
  EXPECT_NEAR(watts_of(fixture.meter_power()), 24.0 * 1.005, 0.2);
}

}  // namespace
}  // namespace rfneedle::sim
