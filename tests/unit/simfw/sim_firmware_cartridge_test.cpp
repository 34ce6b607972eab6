// The cartridge memory through the actuator: read, bind to one session, consume pulses up
// to the limit, refuse an expired cartridge (SR-62).
#include <gtest/gtest.h>

#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

using std::chrono::sys_days;
using std::chrono::year;

device::ActuatorCommand read_cartridge() {
  device::ActuatorCommand command;
  command.mutable_cartridge_read();
  return command;
}

device::ActuatorCommand bind(std::uint64_t session) {
  device::ActuatorCommand command;
  command.mutable_cartridge_bind()->set_session_id(session);
  return command;
}

device::ActuatorCommand consume(std::uint64_t pulse_id) {
  device::ActuatorCommand command;
  command.mutable_cartridge_consume()->set_pulse_id(pulse_id);
  return command;
}

sim::SimulatedDeviceOptions with_cartridge(std::uint32_t pulse_limit, std::uint32_t pulses_used,
                                           sys_days expiry) {
  sim::SimulatedDeviceOptions options;
  sim::CartridgeMemory cartridge = sim::face_cartridge(4242, 49, expiry);
  cartridge.pulse_limit = pulse_limit;
  cartridge.pulses_used = pulses_used;
  options.cartridge = cartridge;
  options.today = sys_days{year{2025} / 6 / 1};
  return options;
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
  EXPECT_EQ(bench.actuator_do(consume(1)), device::RESULT_CARTRIDGE_EXPIRED);
  const auto read = bench.actuator_result(bench.send(read_cartridge()));
  ASSERT_TRUE(read.has_value() && read->has_cartridge());
  EXPECT_EQ(read->cartridge().pulses_used(), 0u);
  EXPECT_EQ(read->cartridge().bound_session_id(), 0u);
}

// Verifies: SR-62
TEST(SimFirmwareCartridge, TheExpiredFaultMakesAGoodCartridgeRefusePulses) {
  DeviceBench bench(with_cartridge(600, 0, sys_days{year{2030} / 1 / 1}));
  bench.handshake(0x36);
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

}  // namespace
}  // namespace rfneedle::testing
