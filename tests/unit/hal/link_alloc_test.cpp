// The safety thread's hot path allocates nothing in steady state (STYLE; DESIGN 6):
// telemetry in, heartbeats and commands out, through a LinkSession and a GeneratorDriver.
// Plain builds only: the allocation counter replaces the global operator new.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "hal/device_proto_hash.h"
#include "hal/generator_driver.h"
#include "hal/link_session.h"
#include "tests/support/alloc_counter.h"

namespace rfneedle::hal {
namespace {

using testing::allocation_count;

Instant at_us(std::int64_t us) { return Instant(microseconds(us)); }

struct Sink final : LinkListener {
  void on_payload(const ReceivedPayload& p) override { bytes += p.bytes.size(); }
  void on_link_fault(LinkFault) override { ++faults; }
  std::size_t bytes = 0;
  int faults = 0;
};

TEST(LinkSteadyState, ASessionPairAllocatesNothingPerFrame) {
  Sink controller_sink;
  Sink board_sink;
  LinkSession controller(LinkConfig{}, controller_sink, Instant{});
  LinkSession board(LinkConfig{.dead_link_after = Duration::zero()}, board_sink, Instant{});
  std::array<std::uint8_t, 512> wire{};
  const std::array<std::uint8_t, 40> telemetry{1, 2, 3};
  const std::array<std::uint8_t, 12> command{9, 8, 7};
  auto run = [&](std::int64_t from_ms, std::int64_t to_ms) {
    for (std::int64_t ms = from_ms; ms < to_ms; ++ms) {
      const Instant now = at_us(ms * 1000);
      (void)board.send_unreliable(telemetry);
      if (ms % 10 == 0) {
        (void)controller.send_unreliable(command);
        (void)controller.send_reliable(command);
      }
      controller.tick(now);
      board.tick(now);
      board.on_bytes(std::span(wire).first(controller.take_output(wire, now)), now);
      controller.on_bytes(std::span(wire).first(board.take_output(wire, now)), now);
    }
  };
  run(0, 100);
  const std::uint64_t before = allocation_count();
  run(100, 1100);
  EXPECT_EQ(allocation_count() - before, 0U);
  EXPECT_EQ(controller_sink.faults, 0);
  EXPECT_EQ(controller.stats().retransmissions, 0U);
  EXPECT_GT(controller_sink.bytes, 40U * 1000U);
}

struct TelemetryCounter final : GeneratorObserver {
  void on_generator_telemetry(const device::GeneratorTelemetry&, std::uint32_t) override {
    ++samples;
  }
  void on_generator_result(const device::CommandResult&) override {}
  void on_generator_event(const device::BoardEvent&) override {}
  void on_pulse_ended(const device::PulseLogEntry&) override {}
  void on_generator_handshake(const device::HandshakeReply&, HandshakeMismatch) override {}
  void on_generator_link_fault(LinkFault) override {}
  int samples = 0;
};

TEST(LinkSteadyState, AGeneratorDriverAllocatesNothingPerTelemetrySampleOrHeartbeat) {
  TelemetryCounter observer;
  GeneratorDriver driver(observer, Instant{});
  driver.set_handshake_policy({.accepted_firmware_versions = {"1.0.0"}});
  driver.start_session(1, Instant{});
  std::array<std::uint8_t, 512> wire{};
  {
    device::GeneratorMessage reply;
    auto* h = reply.mutable_handshake();
    h->set_protocol_version(kProtocolVersion);
    h->set_proto_hash(kDeviceProtoHash);
    h->set_board_kind(device::BOARD_KIND_GENERATOR);
    h->set_session_nonce(1);
    h->set_firmware_version("1.0.0");
    h->set_max_voltage_mv(120'000);
    const std::string payload = reply.SerializeAsString();
    std::array<std::uint8_t, kMaxWireBytes> frame{};
    const std::size_t n = encode_frame(
        FrameHeader{}, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()},
        frame);
    driver.on_bytes(std::span(frame).first(n), Instant{});
    ASSERT_EQ(driver.handshake_state(), HandshakeState::kEstablished);
  }
  // Pre-encoded frames: the board's side is not under test.
  std::array<std::array<std::uint8_t, kMaxWireBytes>, 2> frames{};
  std::array<std::size_t, 2> frame_sizes{};
  for (std::uint32_t i = 0; i < 2; ++i) {
    device::GeneratorMessage m;
    auto* t = m.mutable_telemetry();
    t->set_sample_counter(i + 1);
    t->set_board_time_us(123'456'789);
    t->set_power_mw(10'000);
    t->set_impedance_ohm(150);
    t->set_heatsink_mdegc(41'000);
    const std::string payload = m.SerializeAsString();
    frame_sizes[i] = encode_frame(
        FrameHeader{}, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()},
        frames[i]);
  }
  auto run = [&](std::int64_t from_ms, std::int64_t to_ms) {
    for (std::int64_t ms = from_ms; ms < to_ms; ++ms) {
      const Instant now = at_us(ms * 1000);
      const auto& frame = frames[static_cast<std::size_t>(ms % 2)];
      driver.on_bytes(std::span(frame).first(frame_sizes[static_cast<std::size_t>(ms % 2)]), now);
      driver.tick(now);
      if (ms % 10 == 0) {
        driver.send_heartbeat(true, 1);  // as the core does, every 10 ms
      }
      (void)driver.take_output(wire, now);
    }
  };
  run(0, 100);
  const std::uint64_t before = allocation_count();
  run(100, 1100);
  EXPECT_EQ(allocation_count() - before, 0U);
  EXPECT_EQ(observer.samples, 1100);
}

}  // namespace
}  // namespace rfneedle::hal
