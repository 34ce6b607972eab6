// Injected faults having their stated effect on what the boards report.
#include <gtest/gtest.h>

#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

constexpr std::uint32_t bit(device::FaultCode code) { return 1u << code; }

device::GeneratorCommand measure_impedance(std::uint32_t duration_ms) {
  device::GeneratorCommand command;
  command.mutable_measure_impedance()->set_duration_ms(duration_ms);
  return command;
}

TEST(SimFirmwareFaults, ImpedanceOpenShowsAsOpenInTheMeasurementAndItsTelemetry) {
  DeviceBench bench;
  bench.make_ready();
  const auto before = bench.generator_result(bench.send(measure_impedance(5)));
  ASSERT_TRUE(before.has_value() && before->has_impedance());
  EXPECT_LT(before->impedance().impedance_max_ohm(), 1'000u);
  bench.device.inject(sim::fault_spec(sim::FaultKind::kImpedanceOpen), bench.now());
  bench.run_for(milliseconds(2));
  const auto open = bench.generator_result(bench.send(measure_impedance(5)));
  ASSERT_TRUE(open.has_value() && open->has_impedance());
  EXPECT_GT(open->impedance().impedance_min_ohm(), 50'000u);
  EXPECT_GT(bench.generator_telemetry().back().impedance_ohm(), 50'000u);  // its last sample
}

// Verifies: SR-23
TEST(SimFirmwareFaults, RfStuckOnShowsRfInGroundTruthAndTelemetryUntilTheBoardOpensTheRelay) {
  DeviceBench bench;
  bench.make_ready();
  bench.device.inject(sim::fault_spec(sim::FaultKind::kRfStuckOn), bench.now());
  bench.run_for(milliseconds(3));
  EXPECT_TRUE(bench.device.ground_truth().rf_on);
  const device::GeneratorTelemetry t = bench.generator_telemetry().back();
  EXPECT_NE(t.signals() & device::GENERATOR_SIGNAL_RF_ACTIVE, 0u);
  EXPECT_GT(t.power_mw(), 5'000u);
  bench.run_for(milliseconds(10));
  const sim::GroundTruth truth = bench.device.ground_truth();
  EXPECT_FALSE(truth.relay_closed);
  EXPECT_FALSE(truth.rf_on);
  EXPECT_NE(truth.generator_latched_faults & bit(device::FAULT_RF_UNCOMMANDED), 0u);
}

TEST(SimFirmwareFaults, MotorStallIsReportedAndLatchedByTheActuator) {
  DeviceBench bench;
  bench.make_ready();
  device::ActuatorCommand retract;
  retract.mutable_move_needle()->set_motion(device::NEEDLE_MOTION_RETRACT);
  bench.device.inject(sim::fault_spec(sim::FaultKind::kMotorStall), bench.now());
  ASSERT_EQ(bench.actuator_do(retract), device::RESULT_OK);
  bench.run_for(milliseconds(20));
  const device::ActuatorTelemetry t = bench.actuator_telemetry().back();
  EXPECT_NE(t.signals() & device::ACTUATOR_SIGNAL_MOTOR_STALLED, 0u);
  EXPECT_NE(t.latched_faults() & bit(device::FAULT_MOTOR_STALL), 0u);
  EXPECT_GT(bench.device.ground_truth().needle_position, Micrometres(1'000));
}

// Verifies: SR-50
TEST(SimFirmwareFaults, InjectedEstopLatchesBothBoardsAndShowsInTheirSignals) {
  DeviceBench bench;
  bench.make_ready();
  bench.device.inject(sim::fault_spec(sim::FaultKind::kEstop), bench.now());
  bench.run_for(milliseconds(3));
  EXPECT_NE(bench.generator_telemetry().back().signals() & device::GENERATOR_SIGNAL_ESTOP, 0u);
  EXPECT_NE(bench.actuator_telemetry().back().signals() & device::ACTUATOR_SIGNAL_ESTOP, 0u);
  EXPECT_NE(bench.generator_telemetry().back().latched_faults() & bit(device::FAULT_ESTOP), 0u);
  EXPECT_NE(bench.actuator_telemetry().back().latched_faults() & bit(device::FAULT_ESTOP), 0u);
  EXPECT_EQ(bench.deliver_pulse(1, 10'000, 100, 1'000'000), device::RESULT_ESTOP);
  bench.device.clear_fault("estop");
  bench.run_for(milliseconds(2));
  EXPECT_EQ(bench.generator_telemetry().back().signals() & device::GENERATOR_SIGNAL_ESTOP, 0u);
}

TEST(SimFirmwareFaults, LinkDisconnectTripsTheDeadMan) {
  DeviceBench bench;
  bench.make_ready();
  sim::FaultParameters cut(sim::FaultKind::kLinkDisconnect);
  bench.device.inject(cut, bench.now(), milliseconds(100));
  bench.run_for(milliseconds(60));
  EXPECT_NE(bench.device.ground_truth().generator_latched_faults & bit(device::FAULT_DEAD_MAN), 0u);
}

}  // namespace
}  // namespace rfneedle::testing
