// The simulated boards on the link: handshake, telemetry, counters and the pulse log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hal/device_proto_hash.h"
#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

using ::testing::ElementsAre;

template <typename Message>
std::optional<device::HandshakeReply> handshake_reply(const std::vector<Message>& received) {
  std::optional<device::HandshakeReply> latest;
  for (const Message& m : received) {
    if (m.has_handshake()) latest = m.handshake();
  }
  return latest;
}

TEST(SimFirmwareHandshake, RepliesWithVersionHashIdentitySimulatedKindAndNonce) {
  sim::SimulatedDeviceOptions options;
  options.generator_serial = "GEN-42";
  options.actuator_serial = "ACT-7";
  DeviceBench bench(options);
  bench.handshake(0xABCDEF);

  const auto gen = handshake_reply(bench.generator.received);
  ASSERT_TRUE(gen.has_value());
  EXPECT_EQ(gen->protocol_version(), 1u);
  EXPECT_EQ(gen->proto_hash(), hal::kDeviceProtoHash);
  EXPECT_EQ(gen->firmware_version(), "sim-1.0.0");
  EXPECT_EQ(gen->serial_number(), "GEN-42");
  EXPECT_TRUE(gen->simulated());
  EXPECT_EQ(gen->board_kind(), device::BOARD_KIND_GENERATOR);
  EXPECT_EQ(gen->session_nonce(), 0xABCDEFu);
  EXPECT_EQ(gen->latched_faults(), 0u);

  const auto act = handshake_reply(bench.actuator.received);
  ASSERT_TRUE(act.has_value());
  EXPECT_EQ(act->serial_number(), "ACT-7");
  EXPECT_EQ(act->board_kind(), device::BOARD_KIND_ACTUATOR);
  EXPECT_EQ(act->session_nonce(), 0xABCDEFu);
}

// Verifies: SR-11
TEST(SimFirmwareHandshake, TheGeneratorReportsItsModelsVoltageLimitAndTheActuatorNone) {
  DeviceBench bench;
  bench.handshake(0x4242);
  const auto gen = handshake_reply(bench.generator.received);
  const auto act = handshake_reply(bench.actuator.received);
  ASSERT_TRUE(gen.has_value() && act.has_value());
  EXPECT_EQ(gen->max_voltage_mv(),
            static_cast<std::uint32_t>(sim::GeneratorConfig{}.voltage_limit.value()));
  EXPECT_EQ(gen->max_voltage_mv(), 120'000u);  // DESIGN 5: the simulated stage's 120 V
  EXPECT_EQ(act->max_voltage_mv(), 0u);
}

TEST(SimFirmwareHandshake, CommandBeforeHandshakeIsRefused) {
  DeviceBench bench;
  bench.generator.session.reset(1, bench.now());  // reliable frames flow, no handshake sent
  device::GeneratorCommand query;
  query.mutable_counters_query();
  EXPECT_EQ(bench.generator_do(query), device::RESULT_HANDSHAKE_REQUIRED);
}

TEST(SimFirmwareTelemetry, BothBoardsSendAt1kHzWithoutGapsInCounterOrBoardClock) {
  DeviceBench bench;
  bench.handshake(7);
  bench.run_for(milliseconds(200));
  const auto gen = bench.generator_telemetry();
  ASSERT_GE(gen.size(), 195u);
  for (std::size_t i = 1; i < gen.size(); ++i) {
    EXPECT_EQ(gen[i].sample_counter(), gen[i - 1].sample_counter() + 1);
    EXPECT_EQ(gen[i].board_time_us(), gen[i - 1].board_time_us() + 1000);
  }
  const auto act = bench.actuator_telemetry();
  ASSERT_GE(act.size(), 195u);
  for (std::size_t i = 1; i < act.size(); ++i) {
    EXPECT_EQ(act[i].sample_counter(), act[i - 1].sample_counter() + 1);
    EXPECT_EQ(act[i].board_time_us(), act[i - 1].board_time_us() + 1000);
  }
  EXPECT_EQ(bench.generator.session.stats().telemetry_gaps, 0u);
}

TEST(SimFirmwareCounters, SurviveAControllerReconnectWithANewNonce) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 50, 1'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(80));

  bench.handshake(0xFEED);  // the controller restarted
  device::GeneratorCommand query;
  query.mutable_counters_query();
  const auto result = bench.generator_result(bench.send(query));
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->has_counters());
  EXPECT_EQ(result->counters().lifetime_pulses(), 1u);
  EXPECT_EQ(result->counters().lifetime_energy_mj(),
            bench.pulses_ended().at(0).delivered_energy_uj() / 1000);
  EXPECT_EQ(result->counters().boot_count(), 1u);
}

TEST(SimFirmwarePulseLog, EchoesTheControllersPulseIdsOldestFirst) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(7, 10'000, 20, 1'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(40));
  ASSERT_EQ(bench.deliver_pulse(9, 12'000, 20, 1'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(40));

  std::vector<std::uint64_t> ended;
  for (const auto& entry : bench.pulses_ended()) ended.push_back(entry.pulse_id());
  EXPECT_THAT(ended, ElementsAre(7u, 9u));

  device::GeneratorCommand query;
  query.mutable_pulse_log_query()->set_from_pulse_id(0);
  query.mutable_pulse_log_query()->set_max_entries(4);
  const auto result = bench.generator_result(bench.send(query));
  ASSERT_TRUE(result.has_value() && result->has_pulse_log());
  ASSERT_EQ(result->pulse_log().entries_size(), 2);
  EXPECT_EQ(result->pulse_log().entries(0).pulse_id(), 7u);
  EXPECT_EQ(result->pulse_log().entries(1).pulse_id(), 9u);
  EXPECT_EQ(result->pulse_log().entries(1).set_power_mw(), 12'000u);
  EXPECT_EQ(result->pulse_log().entries(1).end(), device::PULSE_END_DURATION);
  EXPECT_NEAR(result->pulse_log().entries(1).delivered_duration_us(), 20'000, 1'000);
  EXPECT_FALSE(result->pulse_log().more());
}

TEST(SimFirmwareReboot, KeepsCountersAndPulseLogAndCountsTheBoot) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(3, 10'000, 20, 1'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(40));
  sim::FaultParameters reboot(sim::FaultKind::kBoardReboot);
  ASSERT_FALSE(reboot.set("boot", "50").has_value());
  bench.device.inject(reboot, bench.now(), milliseconds(1));
  bench.run_for(milliseconds(10));
  EXPECT_TRUE(bench.device.ground_truth().generator_booting);
  EXPECT_FALSE(bench.device.ground_truth().relay_closed);
  bench.run_for(milliseconds(60));

  bench.handshake(0xB007);
  device::GeneratorCommand query;
  query.mutable_counters_query();
  const auto result = bench.generator_result(bench.send(query));
  ASSERT_TRUE(result.has_value() && result->has_counters());
  EXPECT_EQ(result->counters().lifetime_pulses(), 1u);
  EXPECT_EQ(result->counters().boot_count(), 2u);
  const auto reply = handshake_reply(bench.generator.received);
  ASSERT_TRUE(reply.has_value());
  EXPECT_NE(reply->latched_faults() & (1u << device::FAULT_REBOOT), 0u);
}

}  // namespace
}  // namespace rfneedle::testing
