// The boards' own hard limits, on the virtual clock, independent of the controller.
#include <gtest/gtest.h>

#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

constexpr std::uint32_t bit(device::FaultCode code) { return 1u << code; }

device::GeneratorCommand set_relay(bool closed) {
  device::GeneratorCommand c;
  c.mutable_set_relay()->set_closed(closed);
  return c;
}

device::ActuatorCommand move(device::NeedleMotion motion, std::uint32_t depth_um = 0) {
  device::ActuatorCommand c;
  c.mutable_move_needle()->set_motion(motion);
  c.mutable_move_needle()->set_depth_um(depth_um);
  return c;
}

std::int64_t distance_um(Micrometres a, Micrometres b) {
  return a > b ? (a - b).value() : (b - a).value();
}

device::GeneratorCommand clear_generator(std::uint32_t mask) {
  device::GeneratorCommand c;
  c.mutable_clear_latched_faults()->set_faults(mask);
  return c;
}

device::ActuatorCommand clear_actuator(std::uint32_t mask) {
  device::ActuatorCommand c;
  c.mutable_clear_latched_faults()->set_faults(mask);
  return c;
}

// Verifies: SR-39
TEST(SimFirmwareDeadMan, TurnsRfOffAt50msNotAt49ms) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 1'000, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(20));
  bench.controller_silent = true;
  bench.run_for(milliseconds(2));  // bytes already on the line still arrive
  const Instant last = bench.generator_last_arrival;

  bench.clock.advance_to(last + milliseconds(49));
  EXPECT_TRUE(bench.device.ground_truth().rf_on);
  EXPECT_EQ(bench.device.ground_truth().generator_latched_faults & bit(device::FAULT_DEAD_MAN), 0u);

  bench.clock.advance_to(last + milliseconds(51));  // DESIGN 3: off at most 51 ms after
  const sim::GroundTruth truth = bench.device.ground_truth();
  EXPECT_FALSE(truth.rf_on);
  EXPECT_FALSE(truth.relay_closed);
  EXPECT_NE(truth.generator_latched_faults & bit(device::FAULT_DEAD_MAN), 0u);
  EXPECT_NE(truth.actuator_latched_faults & bit(device::FAULT_DEAD_MAN), 0u);
}

// Verifies: SR-39, SR-09
TEST(SimFirmwareDeadMan, RfActiveDropsBeforeTheNeedlesMove) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 1'000, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(10));
  bench.controller_silent = true;
  const std::size_t from = bench.history.size();
  bench.run_for(milliseconds(150));

  bool retracting = false;
  for (std::size_t i = from + 1; i < bench.history.size(); ++i) {
    if (bench.history[i].needle_position < bench.history[i - 1].needle_position) {
      retracting = true;
      EXPECT_FALSE(bench.history[i - 1].lines.rf_active) << "needles moved at tick " << i;
      EXPECT_FALSE(bench.history[i - 1].rf_on);
      break;
    }
  }
  EXPECT_TRUE(retracting);
  EXPECT_EQ(bench.device.ground_truth().needle_position, Micrometres(0));
}

// Verifies: SR-18
TEST(SimFirmwarePulseCap, EndsA1000msPulseAt1000msAndRefusesLonger) {
  DeviceBench bench;
  bench.make_ready(3'000);
  EXPECT_EQ(bench.deliver_pulse(1, 1'000, 1'001, 3'000'000), device::RESULT_OUT_OF_RANGE);
  ASSERT_EQ(bench.deliver_pulse(2, 1'000, 1'000, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(1'100));
  const auto ended = bench.pulses_ended();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_GE(ended[0].delivered_duration_us(), 999'000u);
  EXPECT_LE(ended[0].delivered_duration_us(), 1'000'000u + 1'000u);
  EXPECT_FALSE(bench.device.ground_truth().rf_on);
}

// Verifies: SR-17
TEST(SimFirmwarePowerCeiling, RefusesAbove50WAndTripsWhenMeasuredPowerRunsAway) {
  DeviceBench bench;
  bench.make_ready();
  device::GeneratorCommand configure;
  configure.mutable_configure()->set_max_power_mw(50'001);
  EXPECT_EQ(bench.generator_do(configure), device::RESULT_OUT_OF_RANGE);
  EXPECT_EQ(bench.deliver_pulse(1, 50'001, 100, 3'000'000), device::RESULT_OUT_OF_RANGE);

  sim::FaultParameters drift(sim::FaultKind::kPowerDrift);
  ASSERT_FALSE(drift.set("rate", "100").has_value());  // +100 %/s, up to +50 %
  bench.device.inject(drift, bench.now());
  bench.run_for(milliseconds(600));  // the drift has reached +50 %
  ASSERT_EQ(bench.deliver_pulse(2, 45'000, 60, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(400));
  EXPECT_NE(bench.device.ground_truth().generator_latched_faults & bit(device::FAULT_POWER_CEILING),
            0u);
  EXPECT_FALSE(bench.device.ground_truth().rf_on);
  for (const sim::GroundTruth& truth : bench.history) {
    EXPECT_LE(truth.delivered_power, Milliwatts(50'000 * 11 / 10 + 1'000));
  }
}

// Verifies: SR-19
TEST(SimFirmwareEnergyCap, EndsThePulseWhenItsCapIsReached) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 500, 100'000), device::RESULT_OK);
  bench.run_for(milliseconds(40));
  const auto ended = bench.pulses_ended();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].end(), device::PULSE_END_ENERGY_CAP);
  EXPECT_GE(ended[0].delivered_energy_uj(), 100'000u);
  EXPECT_LE(ended[0].delivered_energy_uj(), 100'000u + 12'000u);  // one 1 ms sample at most
  EXPECT_LT(ended[0].delivered_duration_us(), 20'000u);
  EXPECT_FALSE(bench.device.ground_truth().rf_on);
}

// Verifies: SR-08
TEST(SimFirmwareAtDepth, RefusesRfWithTheLineLowAndEndsThePulseWhenItDrops) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_RETRACT)), device::RESULT_OK);
  bench.run_for(milliseconds(60));
  EXPECT_EQ(bench.deliver_pulse(1, 10'000, 100, 1'000'000), device::RESULT_NOT_AT_DEPTH);

  ASSERT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_INSERT, 1'500)), device::RESULT_OK);
  bench.run_for(milliseconds(60));
  ASSERT_EQ(bench.deliver_pulse(2, 10'000, 500, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(20));
  ASSERT_TRUE(bench.device.ground_truth().rf_on);
  sim::FaultParameters slip(sim::FaultKind::kEncoderSlip);  // the encoder reads 200 µm short
  bench.device.inject(slip, bench.now());
  const std::size_t from = bench.history.size();
  bench.run_for(milliseconds(5));
  ASSERT_GT(bench.history.size(), from + 1);
  EXPECT_FALSE(bench.history[from].lines.needles_at_depth);
  EXPECT_FALSE(bench.history[from + 1].rf_on);  // within 1 ms of the line dropping
  bench.run_for(milliseconds(20));
  ASSERT_EQ(bench.pulses_ended().size(), 1u);
  EXPECT_EQ(bench.pulses_ended()[0].end(), device::PULSE_END_AT_DEPTH_LOST);
}

// Verifies: SR-09
TEST(SimFirmwareRfActive, BlocksEveryNeedleMotionWhileHigh) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 300, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(5));
  const Micrometres before = bench.device.ground_truth().needle_position;
  EXPECT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_RETRACT)), device::RESULT_RF_ACTIVE);
  EXPECT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_INSERT, 2'000)), device::RESULT_RF_ACTIVE);
  EXPECT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_HOME)), device::RESULT_RF_ACTIVE);
  EXPECT_EQ(bench.device.ground_truth().needle_position, before);
}

// Verifies: SR-30
TEST(SimFirmwareMotorStop, IsObeyedWithRfActiveHighAndTheNextMovePowersTheMotorAgain) {
  // NeedleStuck's "motor off": the stop is obeyed whatever else holds.
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 50, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(5));
  ASSERT_TRUE(bench.device.ground_truth().lines.rf_active);
  EXPECT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_STOP, 100)), device::RESULT_OUT_OF_RANGE);
  ASSERT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_STOP)), device::RESULT_OK);
  const Micrometres stopped = bench.device.ground_truth().needle_position;
  ASSERT_GT(stopped, Micrometres{1'000});
  // The pulse ends; a motor that was not stopped would now follow the board's own
  // retraction, if any: this one stays.
  bench.run_for(milliseconds(200));
  EXPECT_LE(distance_um(bench.device.ground_truth().needle_position, stopped), 10);
  ASSERT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_RETRACT)), device::RESULT_OK);
  bench.run_for(milliseconds(200));
  EXPECT_EQ(bench.device.ground_truth().needle_position, Micrometres{0});
}

// Verifies: SR-23
TEST(SimFirmwareRelay, PulsesNeedItClosedAndOpeningItEndsThePulse) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.generator_do(set_relay(false)), device::RESULT_OK);
  EXPECT_EQ(bench.deliver_pulse(1, 10'000, 100, 1'000'000), device::RESULT_RELAY_OPEN);
  ASSERT_EQ(bench.generator_do(set_relay(true)), device::RESULT_OK);
  ASSERT_EQ(bench.deliver_pulse(2, 10'000, 500, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(10));
  ASSERT_TRUE(bench.device.ground_truth().rf_on);
  ASSERT_EQ(bench.generator_do(set_relay(false)), device::RESULT_OK);
  bench.run_for(milliseconds(1));
  EXPECT_FALSE(bench.device.ground_truth().rf_on);
  EXPECT_FALSE(bench.device.ground_truth().relay_closed);
  const auto t = bench.generator_telemetry();
  EXPECT_EQ(t.back().signals() & device::GENERATOR_SIGNAL_RELAY_CLOSED, 0u);
}

// Verifies: SR-35, SR-36
TEST(SimFirmwareGate, NeverExecutesExpiredDuplicateOrOldEpochPulses) {
  DeviceBench bench;
  bench.make_ready();
  device::GeneratorCommand expired;
  device::DeliverPulse& p = *expired.mutable_deliver_pulse();
  p.set_pulse_id(1);
  p.set_power_mw(10'000);
  p.set_duration_ms(20);
  p.set_energy_cap_uj(1'000'000);
  p.set_expires_at_board_us(bench.generator_board_us() - 1);
  EXPECT_EQ(bench.generator_do(expired), device::RESULT_EXPIRED);

  ASSERT_EQ(bench.deliver_pulse(2, 10'000, 20, 1'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(40));
  EXPECT_EQ(bench.deliver_pulse(2, 10'000, 20, 1'000'000), device::RESULT_DUPLICATE_PULSE_ID);

  device::GeneratorCommand abort;
  abort.mutable_abort()->set_epoch(5);
  ASSERT_EQ(bench.generator_do(abort), device::RESULT_OK);
  bench.epoch = 5;
  bench.run_for(milliseconds(20));
  EXPECT_EQ(bench.deliver_pulse(3, 10'000, 20, 1'000'000, 4), device::RESULT_OLD_EPOCH);
  bench.run_for(milliseconds(40));

  ASSERT_EQ(bench.pulses_ended().size(), 1u);
  EXPECT_EQ(bench.pulses_ended()[0].pulse_id(), 2u);
}

// Verifies: SR-37
TEST(SimFirmwareRfPermitted, AHeartbeatWithRfNotPermittedEndsThePulseAtOnce) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 500, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(20));
  ASSERT_TRUE(bench.device.ground_truth().rf_on);
  bench.rf_permitted = false;
  bench.run_for(milliseconds(12));  // the next heartbeat goes out within 10 ms
  EXPECT_FALSE(bench.device.ground_truth().rf_on);
  ASSERT_EQ(bench.pulses_ended().size(), 1u);
  EXPECT_EQ(bench.pulses_ended()[0].end(), device::PULSE_END_RF_NOT_PERMITTED);
  EXPECT_LT(bench.pulses_ended()[0].delivered_duration_us(), 33'000u);
}

// Verifies: SR-50
TEST(SimFirmwareEstop, BothBoardsStopLatchAndRetractAfterRfActiveDrops) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 500, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(20));
  bench.device.set_estop(true);
  bench.run_for(milliseconds(1));
  sim::GroundTruth truth = bench.device.ground_truth();
  EXPECT_FALSE(truth.rf_on);
  EXPECT_FALSE(truth.relay_closed);
  EXPECT_FALSE(truth.lines.needles_at_depth);
  EXPECT_NE(truth.generator_latched_faults & bit(device::FAULT_ESTOP), 0u);
  EXPECT_NE(truth.actuator_latched_faults & bit(device::FAULT_ESTOP), 0u);
  bench.run_for(milliseconds(100));
  EXPECT_EQ(bench.device.ground_truth().needle_position, Micrometres(0));

  EXPECT_EQ(bench.generator_do(clear_generator(bit(device::FAULT_ESTOP))), device::RESULT_LATCHED);
  bench.device.set_estop(false);
  bench.run_for(milliseconds(2));
  EXPECT_EQ(bench.generator_do(clear_generator(bit(device::FAULT_ESTOP))), device::RESULT_OK);
}

// Verifies: SR-20
TEST(SimFirmwareOverTemperature, CutsOffAndOpensTheRelayAt75C) {
  DeviceBench bench;
  bench.make_ready();
  sim::FaultParameters overheat(sim::FaultKind::kHeatsinkOverheat);
  ASSERT_FALSE(overheat.set("rate", "10").has_value());  // to 80 °C at 10 °C/s
  bench.device.inject(overheat, bench.now());
  bench.run_for(milliseconds(6'000));
  for (const sim::GroundTruth& truth : bench.history) {
    if (truth.heatsink_temperature < celsius(75)) continue;
    EXPECT_NE(truth.generator_latched_faults & bit(device::FAULT_OVER_TEMPERATURE), 0u);
    EXPECT_FALSE(truth.relay_closed);
    break;
  }
  EXPECT_GE(bench.device.ground_truth().heatsink_temperature, celsius(75));
  EXPECT_EQ(bench.generator_do(set_relay(true)), device::RESULT_LATCHED);
}

// Verifies: SR-44
TEST(SimFirmwareLatches, RepeatedInEveryTelemetryFrameAndClearedOnlyByCommand) {
  DeviceBench bench;
  bench.make_ready();
  bench.controller_silent = true;
  bench.run_for(milliseconds(80));  // the dead-man latches on both boards
  bench.controller_silent = false;
  bench.handshake(0x2);  // the controller reconnects: the latch outlives the session
  const std::size_t from = bench.generator_telemetry().size();
  bench.run_for(milliseconds(100));  // heartbeats again: the latch stays
  const auto during = bench.generator_telemetry();
  ASSERT_GT(during.size(), from + 90);
  for (std::size_t i = from; i < during.size(); ++i) {
    EXPECT_NE(during[i].latched_faults() & bit(device::FAULT_DEAD_MAN), 0u);
  }
  ASSERT_EQ(bench.generator_do(clear_generator(bit(device::FAULT_DEAD_MAN))), device::RESULT_OK);
  bench.run_for(milliseconds(5));
  EXPECT_EQ(bench.generator_telemetry().back().latched_faults(), 0u);
}

// Verifies: SR-44, SR-50
TEST(SimFirmwareLatches, ClearingTouchesOnlyTheMaskAndKeepsALatchWhoseCauseRemains) {
  DeviceBench bench;
  bench.make_ready();
  bench.controller_silent = true;
  bench.run_for(milliseconds(60));  // both boards latch the dead-man
  bench.controller_silent = false;
  bench.handshake(0x3);
  bench.device.set_estop(true);  // and the E-stop, whose cause stays while it is pressed
  bench.run_for(milliseconds(2));
  const std::uint32_t both = bit(device::FAULT_DEAD_MAN) | bit(device::FAULT_ESTOP);
  const auto generator_bits = [&] { return bench.device.ground_truth().generator_latched_faults; };
  const auto actuator_bits = [&] { return bench.device.ground_truth().actuator_latched_faults; };
  ASSERT_EQ(generator_bits(), both);
  ASSERT_EQ(actuator_bits(), both);

  // A mask naming no latched bit clears nothing.
  EXPECT_EQ(bench.generator_do(clear_generator(bit(device::FAULT_OVER_TEMPERATURE))),
            device::RESULT_OK);
  EXPECT_EQ(bench.actuator_do(clear_actuator(bit(device::FAULT_MOTOR_STALL))), device::RESULT_OK);
  EXPECT_EQ(generator_bits(), both);
  EXPECT_EQ(actuator_bits(), both);

  // The E-stop is still pressed: refused, and the dead-man, outside the mask, stays too.
  EXPECT_EQ(bench.generator_do(clear_generator(bit(device::FAULT_ESTOP))), device::RESULT_LATCHED);
  EXPECT_EQ(bench.actuator_do(clear_actuator(bit(device::FAULT_ESTOP))), device::RESULT_LATCHED);
  EXPECT_EQ(generator_bits(), both);
  EXPECT_EQ(actuator_bits(), both);

  // Both named: the dead-man, whose cause is gone, clears; the E-stop stays; still refused.
  EXPECT_EQ(bench.generator_do(clear_generator(both)), device::RESULT_LATCHED);
  EXPECT_EQ(bench.actuator_do(clear_actuator(both)), device::RESULT_LATCHED);
  EXPECT_EQ(generator_bits(), bit(device::FAULT_ESTOP));
  EXPECT_EQ(actuator_bits(), bit(device::FAULT_ESTOP));

  bench.device.set_estop(false);
  bench.run_for(milliseconds(2));
  EXPECT_EQ(bench.generator_do(clear_generator(bit(device::FAULT_ESTOP))), device::RESULT_OK);
  EXPECT_EQ(bench.actuator_do(clear_actuator(bit(device::FAULT_ESTOP))), device::RESULT_OK);
  EXPECT_EQ(generator_bits(), 0u);
  EXPECT_EQ(actuator_bits(), 0u);
}

}  // namespace
}  // namespace rfneedle::testing
