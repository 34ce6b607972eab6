// What the generator measures: calibration gains from ConfigureGenerator, the low-level
// impedance measurement, and the calibration fixture's reference meter on the actuator.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

constexpr std::uint32_t bit(device::FaultCode code) { return 1u << code; }

device::GeneratorCommand configure_gains(std::uint32_t power_ppm, std::uint32_t voltage_ppm,
                                         std::uint32_t current_ppm) {
  device::GeneratorCommand command = generator_configure();
  command.mutable_configure()->set_power_gain_ppm(power_ppm);
  command.mutable_configure()->set_voltage_gain_ppm(voltage_ppm);
  command.mutable_configure()->set_current_gain_ppm(current_ppm);
  return command;
}

device::GeneratorCommand measure_impedance(std::uint32_t duration_ms) {
  device::GeneratorCommand command;
  command.mutable_measure_impedance()->set_duration_ms(duration_ms);
  return command;
}

device::ActuatorCommand fixture_measure(std::uint32_t load_index) {
  device::ActuatorCommand command;
  command.mutable_fixture_measure()->set_load_index(load_index);
  return command;
}

device::ActuatorCommand move(device::NeedleMotion motion, std::uint32_t depth_um = 0) {
  device::ActuatorCommand command;
  command.mutable_move_needle()->set_motion(motion);
  command.mutable_move_needle()->set_depth_um(depth_um);
  return command;
}

device::GeneratorCommand set_relay(bool closed) {
  device::GeneratorCommand command;
  command.mutable_set_relay()->set_closed(closed);
  return command;
}

// Two benches with one seed see the same noise; only the configured gains differ.
TEST(SimFirmwareCalibration, GainsFromConfigureScaleMeasuredPowerVoltageAndCurrent) {
  DeviceBench unit;
  DeviceBench calibrated;
  unit.make_ready();
  calibrated.make_ready();
  ASSERT_EQ(unit.generator_do(configure_gains(1'000'000, 1'000'000, 1'000'000)), device::RESULT_OK);
  ASSERT_EQ(calibrated.generator_do(configure_gains(1'100'000, 950'000, 1'050'000)),
            device::RESULT_OK);
  ASSERT_EQ(unit.deliver_pulse(1, 10'000, 100, 3'000'000), device::RESULT_OK);
  ASSERT_EQ(calibrated.deliver_pulse(1, 10'000, 100, 3'000'000), device::RESULT_OK);
  unit.run_for(milliseconds(150));
  calibrated.run_for(milliseconds(150));

  const auto a = unit.generator_telemetry();
  const auto b = calibrated.generator_telemetry();
  ASSERT_EQ(a.size(), b.size());
  int compared = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].sample_counter(), b[i].sample_counter());
    if (a[i].power_mw() < 1'000) continue;
    ++compared;
    EXPECT_NEAR(b[i].power_mw(), a[i].power_mw() * 1.10, 1.0) << "sample " << i;
    EXPECT_NEAR(b[i].voltage_mv(), a[i].voltage_mv() * 0.95, 1.0) << "sample " << i;
    EXPECT_NEAR(b[i].current_ma(), a[i].current_ma() * 1.05, 1.0) << "sample " << i;
    EXPECT_NEAR(b[i].impedance_ohm(), a[i].impedance_ohm() * 0.95 / 1.05, 1.0) << "sample " << i;
  }
  EXPECT_GE(compared, 90);
  ASSERT_EQ(unit.pulses_ended().size(), 1u);
  ASSERT_EQ(calibrated.pulses_ended().size(), 1u);
  EXPECT_NEAR(calibrated.pulses_ended()[0].delivered_energy_uj(),
              unit.pulses_ended()[0].delivered_energy_uj() * 1.10,
              unit.pulses_ended()[0].delivered_energy_uj() * 0.002);

  const auto za = unit.generator_result(unit.send(measure_impedance(5)));
  const auto zb = calibrated.generator_result(calibrated.send(measure_impedance(5)));
  ASSERT_TRUE(za && za->has_impedance() && zb && zb->has_impedance());
  EXPECT_NEAR(zb->impedance().impedance_ohm(), za->impedance().impedance_ohm() * 0.95 / 1.05, 1.0);
}

TEST(SimFirmwareImpedance, MeasuresOpenCircuitWithTheNeedlesRetracted) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_RETRACT)), device::RESULT_OK);
  bench.run_for(milliseconds(60));
  ASSERT_FALSE(bench.device.ground_truth().lines.needles_at_depth);

  const auto result = bench.generator_result(bench.send(measure_impedance(10)));
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(result->result(), device::RESULT_OK);
  ASSERT_TRUE(result->has_impedance());
  EXPECT_GT(result->impedance().impedance_ohm(), 10'000u);  // kΩ: the array in air
  EXPECT_EQ(result->impedance().sample_count(), 10u);
  EXPECT_FALSE(bench.device.ground_truth().rf_on);  // no therapeutic energy
}

TEST(SimFirmwareImpedance, MeasuresTheTissueRangeWithTheNeedlesInserted) {
  DeviceBench bench;
  bench.make_ready(1'500);
  ASSERT_TRUE(bench.device.ground_truth().lines.needles_at_depth);
  const auto result = bench.generator_result(bench.send(measure_impedance(10)));
  ASSERT_TRUE(result.has_value() && result->has_impedance());
  EXPECT_GE(result->impedance().impedance_min_ohm(), 80u);
  EXPECT_LE(result->impedance().impedance_max_ohm(), 600u);
  EXPECT_FALSE(bench.device.ground_truth().rf_on);
}

TEST(SimFirmwareImpedance, NeedsTheRelayClosedNoLatchAndNoPulseRunning) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 100, 3'000'000), device::RESULT_OK);
  EXPECT_EQ(bench.generator_do(measure_impedance(5)), device::RESULT_BUSY);
  bench.run_for(milliseconds(120));
  EXPECT_EQ(bench.generator_do(measure_impedance(21)), device::RESULT_OUT_OF_RANGE);
  ASSERT_EQ(bench.generator_do(set_relay(false)), device::RESULT_OK);
  EXPECT_EQ(bench.generator_do(measure_impedance(5)), device::RESULT_RELAY_OPEN);

  bench.controller_silent = true;
  bench.run_for(milliseconds(60));  // the dead-man latches
  bench.controller_silent = false;
  bench.handshake(0x77);
  ASSERT_NE(bench.device.ground_truth().generator_latched_faults & bit(device::FAULT_DEAD_MAN), 0u);
  EXPECT_EQ(bench.generator_do(measure_impedance(5)), device::RESULT_LATCHED);
}

bool rf_active(const device::GeneratorTelemetry& t) {
  return (t.signals() & device::GENERATOR_SIGNAL_RF_ACTIVE) != 0;
}

// Verifies: SR-10, SR-12
TEST(SimFirmwareImpedance, TelemetryShowsALiveReadingOnlyDuringAMeasurementOrAPulse) {
  DeviceBench bench;
  bench.make_ready(1'500);  // inserted, relay closed: the probe would read the tissue
  bench.run_for(milliseconds(5));
  for (const auto& t : bench.generator_telemetry()) {
    EXPECT_EQ(t.impedance_ohm(), 0u) << "idle sample " << t.sample_counter();
  }

  std::size_t from = bench.generator_telemetry().size();
  const auto result = bench.generator_result(bench.send(measure_impedance(10)));
  ASSERT_TRUE(result.has_value() && result->has_impedance());
  int live = 0;
  const auto during_measurement = bench.generator_telemetry();
  for (std::size_t i = from; i < during_measurement.size(); ++i) {
    const std::uint32_t z = during_measurement[i].impedance_ohm();
    if (z == 0) continue;
    ++live;
    EXPECT_GE(z, result->impedance().impedance_min_ohm());
    EXPECT_LE(z, result->impedance().impedance_max_ohm());
  }
  EXPECT_EQ(live, 10);  // one sample a millisecond, each shown once

  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 50, 3'000'000), device::RESULT_OK);
  from = bench.generator_telemetry().size();
  bench.run_for(milliseconds(80));
  const auto around_pulse = bench.generator_telemetry();
  int during_pulse = 0;
  int after_pulse = 0;
  for (std::size_t i = from; i < around_pulse.size(); ++i) {
    const device::GeneratorTelemetry& t = around_pulse[i];
    if (rf_active(t)) {
      ++during_pulse;
      EXPECT_GT(t.impedance_ohm(), 25u) << "pulse sample " << t.sample_counter();
      EXPECT_LT(t.impedance_ohm(), 1'500u) << "pulse sample " << t.sample_counter();
    } else if (bench.pulses_ended().size() == 1 && i + 5 < around_pulse.size()) {
      ++after_pulse;
      EXPECT_EQ(t.impedance_ohm(), 0u) << "sample after the pulse " << t.sample_counter();
    }
  }
  EXPECT_GE(during_pulse, 45);
  EXPECT_GE(after_pulse, 20);
}

sim::SimulatedDeviceOptions with_fixture() {
  sim::SimulatedDeviceOptions options;
  options.cartridge =
      sim::calibration_fixture_cartridge(77, std::chrono::sys_days{std::chrono::year{2030} / 1 / 1},
                                         std::chrono::sys_days{std::chrono::year{2029} / 6 / 30});
  return options;
}

TEST(SimFirmwareFixture, ReadsTheReferenceMeterForThePulseIntoTheSelectedLoad) {
  DeviceBench bench(with_fixture());
  bench.make_ready();
  const auto selected = bench.actuator_result(bench.send(fixture_measure(1)));
  ASSERT_TRUE(selected.has_value());
  ASSERT_EQ(selected->result(), device::RESULT_OK);
  ASSERT_TRUE(selected->has_fixture());
  EXPECT_EQ(selected->fixture().load_index(), 1u);
  EXPECT_EQ(selected->fixture().reference_load_ohm(), 200u);
  EXPECT_EQ(selected->fixture().reference_energy_uj(), 0u);  // no pulse into it yet

  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 100, 2'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(20));
  EXPECT_NEAR(bench.generator_telemetry().back().impedance_ohm(), 200.0, 10.0);
  bench.run_for(milliseconds(130));

  const auto reading = bench.actuator_result(bench.send(fixture_measure(1)));
  ASSERT_TRUE(reading.has_value() && reading->has_fixture());
  ASSERT_EQ(reading->result(), device::RESULT_OK);
  // The meter reads the truth with its +0.5 % gain error (calibration_fixture.h).
  EXPECT_NEAR(reading->fixture().reference_power_mw(), 10'000 * 1.005, 10'000 * 0.03);
  EXPECT_NEAR(reading->fixture().reference_energy_uj(), 1'000'000 * 1.005, 1'000'000 * 0.03);
  ASSERT_EQ(bench.pulses_ended().size(), 1u);
  EXPECT_NEAR(reading->fixture().reference_energy_uj(),
              bench.pulses_ended()[0].delivered_energy_uj(),
              bench.pulses_ended()[0].delivered_energy_uj() * 0.03);

  const auto other = bench.actuator_result(bench.send(fixture_measure(3)));
  ASSERT_TRUE(other.has_value() && other->has_fixture());
  EXPECT_EQ(other->fixture().reference_load_ohm(), 600u);
  EXPECT_EQ(other->fixture().reference_energy_uj(), 0u);  // the pulse went into load 1
  EXPECT_EQ(bench.actuator_do(fixture_measure(4)), device::RESULT_OUT_OF_RANGE);
}

TEST(SimFirmwareFixture, IsRefusedOnANormalCartridgeAndWithNoCartridge) {
  DeviceBench bench;
  bench.make_ready();
  EXPECT_EQ(bench.actuator_do(fixture_measure(0)), device::RESULT_NOT_A_FIXTURE);
  bench.device.swap_cartridge(std::nullopt);
  EXPECT_EQ(bench.actuator_do(fixture_measure(0)), device::RESULT_NO_CARTRIDGE);
}

}  // namespace
}  // namespace rfneedle::testing
