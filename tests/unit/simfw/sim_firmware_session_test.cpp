// The boards' dead-man time as configured, and the BOOTED event that opens the first
// session after power-on or a reboot.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

constexpr std::uint32_t bit(device::FaultCode code) { return 1u << code; }

bool generator_dead_man(const DeviceBench& bench) {
  return (bench.device.ground_truth().generator_latched_faults & bit(device::FAULT_DEAD_MAN)) != 0;
}

bool actuator_dead_man(const DeviceBench& bench) {
  return (bench.device.ground_truth().actuator_latched_faults & bit(device::FAULT_DEAD_MAN)) != 0;
}

// Cuts one board's line (link-disconnect) now; returns when that board last received
// bytes, its last valid frame. The other board keeps hearing the controller.
Instant cut_link(DeviceBench& bench, const char* link) {
  sim::FaultParameters cut(sim::FaultKind::kLinkDisconnect);
  EXPECT_FALSE(cut.set("link", link).has_value());
  bench.device.inject(cut, bench.now());
  return std::string_view(link) == "generator" ? bench.generator_last_arrival
                                               : bench.actuator_last_arrival;
}

// The reliable messages (everything but telemetry and handshake replies), in order.
template <typename Message>
std::vector<Message> reliable_messages(const std::vector<Message>& received) {
  std::vector<Message> out;
  for (const Message& m : received) {
    if (!m.has_telemetry() && !m.has_handshake()) out.push_back(m);
  }
  return out;
}

template <typename Message>
int booted_count(const std::vector<Message>& received) {
  return static_cast<int>(std::count_if(received.begin(), received.end(), [](const Message& m) {
    return m.has_event() && m.event().kind() == device::BOARD_EVENT_BOOTED;
  }));
}

// Verifies: SR-39
TEST(SimFirmwareDeadMan, BeforeAnyConfigureTheGeneratorTripsAt50msNotAt49ms) {
  DeviceBench bench;
  bench.handshake(0x11);
  bench.run_for(milliseconds(20));
  const Instant last = cut_link(bench, "generator");
  bench.clock.advance_to(last + milliseconds(49));
  EXPECT_FALSE(generator_dead_man(bench));
  bench.clock.advance_to(last + milliseconds(51));  // the first 1 kHz tick at or after 50 ms
  EXPECT_TRUE(generator_dead_man(bench));
}

// Verifies: SR-39
TEST(SimFirmwareDeadMan, BeforeAnyConfigureTheActuatorTripsAt50msNotAt49ms) {
  DeviceBench bench;
  bench.handshake(0x11);
  bench.run_for(milliseconds(20));
  const Instant last = cut_link(bench, "actuator");
  bench.clock.advance_to(last + milliseconds(49));
  EXPECT_FALSE(actuator_dead_man(bench));
  bench.clock.advance_to(last + milliseconds(51));
  EXPECT_TRUE(actuator_dead_man(bench));
}

// Verifies: SR-39
TEST(SimFirmwareDeadMan, ConfiguredTo20msTheGeneratorTurnsRfOffAt20msNotAt19ms) {
  DeviceBench bench;
  bench.dead_man_ms = 20;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 1'000, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(5));
  const Instant last = cut_link(bench, "generator");

  bench.clock.advance_to(last + milliseconds(19));
  EXPECT_TRUE(bench.device.ground_truth().rf_on);
  EXPECT_FALSE(generator_dead_man(bench));

  bench.clock.advance_to(last + milliseconds(21));
  const sim::GroundTruth truth = bench.device.ground_truth();
  EXPECT_FALSE(truth.rf_on);
  EXPECT_FALSE(truth.relay_closed);
  EXPECT_TRUE(generator_dead_man(bench));
  EXPECT_FALSE(actuator_dead_man(bench));  // its line is fine
}

// Verifies: SR-39
TEST(SimFirmwareDeadMan, ConfiguredTo20msTheActuatorDropsAtDepthAt20msNotAt19ms) {
  DeviceBench bench;
  bench.dead_man_ms = 20;
  bench.make_ready();
  const Instant last = cut_link(bench, "actuator");
  bench.clock.advance_to(last + milliseconds(19));
  EXPECT_TRUE(bench.device.ground_truth().lines.needles_at_depth);
  EXPECT_FALSE(actuator_dead_man(bench));
  bench.clock.advance_to(last + milliseconds(21));
  EXPECT_FALSE(bench.device.ground_truth().lines.needles_at_depth);
  EXPECT_TRUE(actuator_dead_man(bench));
}

TEST(SimFirmwareDeadMan, ConfiguredTo35msHoldsAt34msAndTripsBy36ms) {
  DeviceBench bench;
  bench.dead_man_ms = 35;
  bench.make_ready();
  const Instant last = cut_link(bench, "generator");
  bench.clock.advance_to(last + milliseconds(34));
  EXPECT_FALSE(generator_dead_man(bench));
  bench.clock.advance_to(last + milliseconds(36));
  EXPECT_TRUE(generator_dead_man(bench));
}

// Verifies: SR-39
TEST(SimFirmwareConfigure, BothBoardsRefuseADeadManOutside20To50msAndKeepTheirs) {
  DeviceBench bench;
  bench.handshake(0x12);
  EXPECT_EQ(bench.generator_do(generator_configure(19)), device::RESULT_OUT_OF_RANGE);
  EXPECT_EQ(bench.generator_do(generator_configure(51)), device::RESULT_OUT_OF_RANGE);
  EXPECT_EQ(bench.actuator_do(actuator_configure(19)), device::RESULT_OUT_OF_RANGE);
  EXPECT_EQ(bench.actuator_do(actuator_configure(51)), device::RESULT_OUT_OF_RANGE);
  EXPECT_EQ(bench.generator_do(generator_configure(20)), device::RESULT_OK);
  EXPECT_EQ(bench.actuator_do(actuator_configure(50)), device::RESULT_OK);
  EXPECT_EQ(bench.actuator_do(actuator_configure(51)), device::RESULT_OUT_OF_RANGE);

  bench.controller_silent = true;
  bench.run_for(milliseconds(3));  // bytes already on the lines still arrive
  bench.clock.advance_to(bench.generator_last_arrival + milliseconds(21));
  EXPECT_TRUE(generator_dead_man(bench));  // 20 ms, as configured
  bench.clock.advance_to(bench.actuator_last_arrival + milliseconds(49));
  EXPECT_FALSE(actuator_dead_man(bench));  // 50 ms: the refused 51 changed nothing
  bench.clock.advance_to(bench.actuator_last_arrival + milliseconds(51));
  EXPECT_TRUE(actuator_dead_man(bench));
}

TEST(SimFirmwareBoot, TheFirstSessionAfterPowerOnStartsWithOneBootedEventOnEachBoard) {
  DeviceBench bench;
  bench.handshake(0x21);
  bench.run_for(milliseconds(5));
  const auto generator = reliable_messages(bench.generator.received);
  ASSERT_FALSE(generator.empty());
  ASSERT_TRUE(generator.front().has_event());
  EXPECT_EQ(generator.front().event().kind(), device::BOARD_EVENT_BOOTED);
  EXPECT_EQ(generator.front().event().latched_faults(), 0u);  // power-on is not a reboot
  const auto actuator = reliable_messages(bench.actuator.received);
  ASSERT_FALSE(actuator.empty());
  ASSERT_TRUE(actuator.front().has_event());
  EXPECT_EQ(actuator.front().event().kind(), device::BOARD_EVENT_BOOTED);

  bench.handshake(0x21);  // the same session again: no new event
  bench.handshake(0x22);  // a new controller session, the boards did not restart
  bench.run_for(milliseconds(20));
  EXPECT_EQ(booted_count(bench.generator.received), 1);
  EXPECT_EQ(booted_count(bench.actuator.received), 1);
}

TEST(SimFirmwareBoot, AfterARebootTheNextSessionStartsWithBootedCarryingFaultReboot) {
  DeviceBench bench;
  bench.make_ready();
  sim::FaultParameters reboot(sim::FaultKind::kBoardReboot);
  ASSERT_FALSE(reboot.set("board", "actuator").has_value());
  ASSERT_FALSE(reboot.set("boot", "30").has_value());
  bench.device.inject(reboot, bench.now(), milliseconds(1));
  bench.run_for(milliseconds(40));
  const auto from = static_cast<std::ptrdiff_t>(bench.actuator.received.size());

  bench.handshake(0x23);
  bench.run_for(milliseconds(5));
  const std::vector<device::ActuatorMessage> after(bench.actuator.received.begin() + from,
                                                   bench.actuator.received.end());
  const auto reliable = reliable_messages(after);
  ASSERT_FALSE(reliable.empty());
  ASSERT_TRUE(reliable.front().has_event());
  EXPECT_EQ(reliable.front().event().kind(), device::BOARD_EVENT_BOOTED);
  EXPECT_NE(reliable.front().event().latched_faults() & bit(device::FAULT_REBOOT), 0u);
  EXPECT_EQ(booted_count(bench.actuator.received), 2);
  EXPECT_EQ(booted_count(bench.generator.received), 1);  // the generator did not restart
}

TEST(SimFirmwareBoot, ALatchBeforeTheFirstSessionStillComesAfterBooted) {
  DeviceBench bench;
  bench.device.set_estop(true);
  bench.run_for(milliseconds(5));
  bench.handshake(0x24);
  bench.run_for(milliseconds(5));
  const auto generator = reliable_messages(bench.generator.received);
  ASSERT_FALSE(generator.empty());
  ASSERT_TRUE(generator.front().has_event());
  EXPECT_EQ(generator.front().event().kind(), device::BOARD_EVENT_BOOTED);
  EXPECT_NE(generator.front().event().latched_faults() & bit(device::FAULT_ESTOP), 0u);
}

}  // namespace
}  // namespace rfneedle::testing
