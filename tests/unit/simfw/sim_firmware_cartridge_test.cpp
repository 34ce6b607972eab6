// The cartridge memory through the actuator: read, bind to one session on the controller's
// date, consume pulses up to the limit, refuse an expired cartridge, and check all of it
// before the needles go in (SR-62).
#include <gtest/gtest.h>

#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

using std::chrono::sys_days;
using std::chrono::year;

constexpr sys_days kToday{year{2025} / 6 / 1};

std::uint32_t unix_days(sys_days day) {
  return static_cast<std::uint32_t>(day.time_since_epoch().count());
}

device::ActuatorCommand read_cartridge() {
  device::ActuatorCommand command;
  command.mutable_cartridge_read();
  return command;
}

device::ActuatorCommand bind(std::uint64_t session, std::uint32_t today = unix_days(kToday)) {
  device::ActuatorCommand command;
  command.mutable_cartridge_bind()->set_session_id(session);
  command.mutable_cartridge_bind()->set_today_unix_days(today);
  return command;
}

device::ActuatorCommand consume(std::uint64_t pulse_id, std::uint32_t today = unix_days(kToday)) {
  device::ActuatorCommand command;
  command.mutable_cartridge_consume()->set_pulse_id(pulse_id);
  command.mutable_cartridge_consume()->set_today_unix_days(today);
  return command;
}

device::ActuatorCommand move(device::NeedleMotion motion, std::uint32_t depth_um = 0) {
  device::ActuatorCommand command;
  command.mutable_move_needle()->set_motion(motion);
  command.mutable_move_needle()->set_depth_um(depth_um);
  return command;
}

device::ActuatorCommand insert() { return move(device::NEEDLE_MOTION_INSERT, 1'500); }

sim::SimulatedDeviceOptions with_cartridge(std::uint32_t pulse_limit, std::uint32_t pulses_used,
                                           sys_days expiry) {
  sim::SimulatedDeviceOptions options;
  sim::CartridgeMemory cartridge = sim::face_cartridge(4242, 49, expiry);
  cartridge.pulse_limit = pulse_limit;
  cartridge.pulses_used = pulses_used;
  options.cartridge = cartridge;
  return options;
}

// Handshake, actuator configured and homed: an insert is up to the cartridge.
void configure_and_home(DeviceBench& bench, std::uint64_t nonce) {
  bench.handshake(nonce);
  ASSERT_EQ(bench.actuator_do(actuator_configure()), device::RESULT_OK);
  ASSERT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_HOME)), device::RESULT_OK);
  bench.run_for(milliseconds(100));
}

std::uint32_t pulses_used(DeviceBench& bench) {
  const auto read = bench.actuator_result(bench.send(read_cartridge()));
  EXPECT_TRUE(read.has_value() && read->has_cartridge());
  return read && read->has_cartridge() ? read->cartridge().pulses_used() : 0;
}

TEST(SimFirmwareCartridge, ReadReportsTheMemory) {
  DeviceBench bench(with_cartridge(600, 12, sys_days{year{2030} / 1 / 1}));
  bench.handshake(0x31);
  const auto result = bench.actuator_result(bench.send(read_cartridge()));
  ASSERT_TRUE(result.has_value() && result->has_cartridge());
  const device::CartridgeInfo& info = result->cartridge();
  EXPECT_EQ(info.type_id(), "face");
  EXPECT_EQ(info.needle_count(), 49u);
  EXPECT_EQ(info.max_depth_um(), 3'500u);
  EXPECT_EQ(info.pulse_limit(), 600u);
  EXPECT_EQ(info.pulses_used(), 12u);
  EXPECT_EQ(info.expiry_unix_days(),
            static_cast<std::uint32_t>(sys_days{year{2030} / 1 / 1}.time_since_epoch().count()));
  EXPECT_EQ(info.bound_session_id(), 0u);
  EXPECT_EQ(info.serial_number(), "4242");
  EXPECT_FALSE(info.calibration_fixture());
  EXPECT_EQ(info.meter_due_unix_days(), 0u);  // a needle cartridge has no reference meter
}

// Verifies: SR-66
TEST(SimFirmwareCartridge, TheCalibrationFixturesMemoryReportsItsReferenceMetersDueDate) {
  sim::SimulatedDeviceOptions options;
  options.cartridge = sim::calibration_fixture_cartridge(77, kToday, sys_days{year{2026} / 3 / 31});
  DeviceBench bench(options);
  bench.handshake(0x3D);
  const auto result = bench.actuator_result(bench.send(read_cartridge()));
  ASSERT_TRUE(result.has_value() && result->has_cartridge());
  EXPECT_TRUE(result->cartridge().calibration_fixture());
  EXPECT_EQ(result->cartridge().meter_due_unix_days(), unix_days(sys_days{year{2026} / 3 / 31}));
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, BindsToOneSessionAndRefusesAnother) {
  DeviceBench bench(with_cartridge(600, 0, sys_days{year{2030} / 1 / 1}));
  bench.handshake(0x32);
  const auto bound = bench.actuator_result(bench.send(bind(0xA11CE)));
  ASSERT_TRUE(bound.has_value() && bound->has_cartridge());
  EXPECT_EQ(bound->result(), device::RESULT_OK);
  EXPECT_EQ(bound->cartridge().bound_session_id(), 0xA11CEu);
  EXPECT_EQ(bench.actuator_do(bind(0xA11CE)), device::RESULT_OK);  // the same session again
  EXPECT_EQ(bench.actuator_do(bind(0xB0B)), device::RESULT_CARTRIDGE_BOUND);
  EXPECT_EQ(bench.actuator_do(bind(0)), device::RESULT_OUT_OF_RANGE);

  bench.handshake(0x33);  // a controller restart does not unbind it: it is in its memory
  EXPECT_EQ(bench.actuator_do(bind(0xB0B)), device::RESULT_CARTRIDGE_BOUND);
  const auto read = bench.actuator_result(bench.send(read_cartridge()));
  ASSERT_TRUE(read.has_value() && read->has_cartridge());
  EXPECT_EQ(read->cartridge().bound_session_id(), 0xA11CEu);
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, ConsumeCountsTowardTheLimitAndRefusesAtIt) {
  DeviceBench bench(with_cartridge(3, 1, sys_days{year{2030} / 1 / 1}));
  bench.handshake(0x34);
  ASSERT_EQ(bench.actuator_do(bind(0xA11CE)), device::RESULT_OK);
  const auto second = bench.actuator_result(bench.send(consume(1)));
  ASSERT_TRUE(second.has_value() && second->has_cartridge());
  EXPECT_EQ(second->cartridge().pulses_used(), 2u);
  const auto third = bench.actuator_result(bench.send(consume(2)));
  ASSERT_TRUE(third.has_value() && third->has_cartridge());
  EXPECT_EQ(third->cartridge().pulses_used(), 3u);
  EXPECT_EQ(bench.actuator_do(consume(3)), device::RESULT_CARTRIDGE_AT_LIMIT);
  EXPECT_EQ(bench.actuator_do(consume(0)), device::RESULT_OUT_OF_RANGE);

  const auto read = bench.actuator_result(bench.send(read_cartridge()));
  ASSERT_TRUE(read.has_value() && read->has_cartridge());
  EXPECT_EQ(read->cartridge().pulses_used(), 3u);  // the refused consume counted nothing

  device::ActuatorCommand counters;
  counters.mutable_counters_query();
  const auto reply = bench.actuator_result(bench.send(counters));
  ASSERT_TRUE(reply.has_value() && reply->has_counters());
  EXPECT_EQ(reply->counters().cartridge_pulses(), 3u);
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, AnExpiredCartridgeIsNeitherBoundNorConsumed) {
  DeviceBench bench(with_cartridge(600, 0, sys_days{year{2025} / 5 / 31}));  // a day ago
  bench.handshake(0x35);
  EXPECT_EQ(bench.actuator_do(bind(0xA11CE)), device::RESULT_CARTRIDGE_EXPIRED);
  EXPECT_EQ(bench.actuator_do(consume(1)), device::RESULT_CARTRIDGE_BOUND);  // never bound
  const auto read = bench.actuator_result(bench.send(read_cartridge()));
  ASSERT_TRUE(read.has_value() && read->has_cartridge());
  EXPECT_EQ(read->cartridge().pulses_used(), 0u);
  EXPECT_EQ(read->cartridge().bound_session_id(), 0u);
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, TheExpiredFaultMakesAGoodCartridgeRefusePulses) {
  DeviceBench bench(with_cartridge(600, 0, sys_days{year{2030} / 1 / 1}));
  bench.handshake(0x36);
  ASSERT_EQ(bench.actuator_do(bind(0xA11CE)), device::RESULT_OK);
  ASSERT_EQ(bench.actuator_do(consume(1)), device::RESULT_OK);
  bench.device.inject(sim::fault_spec(sim::FaultKind::kCartridgeExpired), bench.now());
  bench.run_for(milliseconds(2));
  EXPECT_EQ(bench.actuator_do(consume(2)), device::RESULT_CARTRIDGE_EXPIRED);
  EXPECT_EQ(bench.actuator_do(bind(0xA11CE)), device::RESULT_CARTRIDGE_EXPIRED);
}

TEST(SimFirmwareCartridge, EveryCartridgeCommandAnswersNoCartridgeWhenNoneIsAttached) {
  DeviceBench bench;
  bench.device.swap_cartridge(std::nullopt);
  bench.handshake(0x37);
  EXPECT_EQ(bench.actuator_do(read_cartridge()), device::RESULT_NO_CARTRIDGE);
  EXPECT_EQ(bench.actuator_do(bind(0xA11CE)), device::RESULT_NO_CARTRIDGE);
  EXPECT_EQ(bench.actuator_do(consume(1)), device::RESULT_NO_CARTRIDGE);
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, AnInsertNeedsABoundCartridgeInDateAndBelowItsLimit) {
  DeviceBench bench(with_cartridge(2, 0, kToday + std::chrono::days(1)));
  configure_and_home(bench, 0x38);
  EXPECT_EQ(bench.actuator_do(insert()), device::RESULT_CARTRIDGE_BOUND);  // no session's
  ASSERT_EQ(bench.actuator_do(bind(0xA11CE)), device::RESULT_OK);
  ASSERT_EQ(bench.actuator_do(consume(1)), device::RESULT_OK);
  EXPECT_EQ(bench.actuator_do(insert()), device::RESULT_OK);  // 1 of 2 used, expires tomorrow
  bench.run_for(milliseconds(60));
  ASSERT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_RETRACT)), device::RESULT_OK);
  bench.run_for(milliseconds(60));

  ASSERT_EQ(bench.actuator_do(consume(2)), device::RESULT_OK);
  EXPECT_EQ(bench.actuator_do(insert()), device::RESULT_CARTRIDGE_AT_LIMIT);
  EXPECT_EQ(bench.device.ground_truth().needle_position, Micrometres(0));
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, AnInsertIsRefusedOnceTheControllersDateIsPastTheExpiry) {
  const sys_days expiry = kToday + std::chrono::days(1);
  DeviceBench bench(with_cartridge(600, 0, expiry));
  configure_and_home(bench, 0x39);
  ASSERT_EQ(bench.actuator_do(bind(0xA11CE)), device::RESULT_OK);
  ASSERT_EQ(bench.actuator_do(consume(1, unix_days(expiry))), device::RESULT_OK);  // last day
  EXPECT_EQ(bench.actuator_do(insert()), device::RESULT_OK);
  bench.run_for(milliseconds(60));
  ASSERT_EQ(bench.actuator_do(move(device::NEEDLE_MOTION_RETRACT)), device::RESULT_OK);
  bench.run_for(milliseconds(60));

  // Midnight passes: the next consume carries the new date and the board keeps it.
  EXPECT_EQ(bench.actuator_do(consume(2, unix_days(expiry) + 1)), device::RESULT_CARTRIDGE_EXPIRED);
  EXPECT_EQ(bench.actuator_do(insert()), device::RESULT_CARTRIDGE_EXPIRED);
  EXPECT_EQ(pulses_used(bench), 1u);

  bench.device.swap_cartridge(std::nullopt);
  bench.run_for(milliseconds(2));
  EXPECT_EQ(bench.actuator_do(insert()), device::RESULT_NO_CARTRIDGE);
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, TheDateIsRequiredAndAClockSetBackCannotReviveTheCartridge) {
  const sys_days expiry = kToday + std::chrono::days(10);
  DeviceBench bench(with_cartridge(600, 0, expiry));
  bench.handshake(0x3A);
  EXPECT_EQ(bench.actuator_do(bind(0xA11CE, 0)), device::RESULT_OUT_OF_RANGE);  // missing
  EXPECT_EQ(bench.actuator_do(bind(0xA11CE, 65'536)), device::RESULT_OUT_OF_RANGE);
  ASSERT_EQ(bench.actuator_do(bind(0xA11CE, unix_days(kToday))), device::RESULT_OK);
  EXPECT_EQ(bench.actuator_do(consume(1, 0)), device::RESULT_OUT_OF_RANGE);
  EXPECT_EQ(bench.actuator_do(consume(1, unix_days(kToday) - 1)), device::RESULT_OUT_OF_RANGE);
  EXPECT_EQ(bench.actuator_do(bind(0xA11CE, unix_days(kToday) - 1)), device::RESULT_OUT_OF_RANGE);
  EXPECT_EQ(pulses_used(bench), 0u);  // nothing refused was counted

  // Past the expiry, a date set back (but not before the binding) still finds it expired:
  // the board keeps the latest date it was given.
  EXPECT_EQ(bench.actuator_do(consume(1, unix_days(expiry) + 1)), device::RESULT_CARTRIDGE_EXPIRED);
  EXPECT_EQ(bench.actuator_do(consume(2, unix_days(kToday))), device::RESULT_CARTRIDGE_EXPIRED);
  EXPECT_EQ(bench.actuator_do(bind(0xA11CE, unix_days(kToday))), device::RESULT_CARTRIDGE_EXPIRED);
  EXPECT_EQ(pulses_used(bench), 0u);
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, ConsumeOnAnUnboundCartridgeIsRefused) {
  DeviceBench bench(with_cartridge(600, 0, sys_days{year{2030} / 1 / 1}));
  bench.handshake(0x3B);
  EXPECT_EQ(bench.actuator_do(consume(1)), device::RESULT_CARTRIDGE_BOUND);
  EXPECT_EQ(pulses_used(bench), 0u);
}

// Verifies: SR-66
TEST(SimFirmwareCartridge, TheCalibrationFixtureGoesInUnboundAndWithNoDate) {
  sim::SimulatedDeviceOptions options;
  options.cartridge = sim::calibration_fixture_cartridge(77, kToday, kToday);
  DeviceBench bench(options);
  configure_and_home(bench, 0x3C);
  EXPECT_EQ(bench.actuator_do(insert()), device::RESULT_OK);
}

}  // namespace
}  // namespace rfneedle::testing
