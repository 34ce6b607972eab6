// libFuzzer target for the controller side of a link: GeneratorDriver (LinkSession,
// handshake, heartbeats, envelope parsing) fed a script of bytes in random chunks, frames
// with chosen headers and payloads, random ticks, commands, stops and new sessions.
// Invariants, checked with abort():
// - every written frame decodes, whole; none over 64 wire bytes in pulse mode (SR-43);
// - a command is accepted only with an established handshake (treatment commands) or an
//   established or mismatched one (the others) (SR-41);
// - queues and the window never grow past their bounds; statistics stay consistent.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "hal/device_proto_hash.h"
#include "hal/generator_driver.h"
#include "tests/fuzz/hal/session_fuzz_script.h"

namespace {

using namespace rfneedle;
using namespace rfneedle::hal;
using fuzz::check;

struct Observer final : GeneratorObserver {
  void on_generator_telemetry(const device::GeneratorTelemetry&, std::uint32_t) override {}
  void on_generator_result(const device::CommandResult&) override {}
  void on_generator_event(const device::BoardEvent&) override {}
  void on_pulse_ended(const device::PulseLogEntry&) override {}
  void on_generator_handshake(const device::HandshakeReply&, HandshakeMismatch) override {}
  void on_generator_link_fault(LinkFault) override {}
};

// A valid reply to the current handshake, so the fuzzer gets past it.
void feed_handshake_reply(GeneratorDriver& driver, std::uint64_t nonce, std::uint8_t variant,
                          Instant now) {
  device::GeneratorMessage reply;
  auto* h = reply.mutable_handshake();
  h->set_protocol_version(kProtocolVersion);
  h->set_proto_hash(variant & 1 ? kDeviceProtoHash : kDeviceProtoHash ^ variant);
  h->set_board_kind(device::BOARD_KIND_GENERATOR);
  h->set_session_nonce(nonce);
  h->set_firmware_version("1.0.0");
  h->set_max_voltage_mv(120'000);
  const std::string payload = reply.SerializeAsString();
  std::array<std::uint8_t, kMaxWireBytes> wire{};
  const std::size_t n = encode_frame(
      FrameHeader{}, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()}, wire);
  driver.on_bytes(std::span(wire).first(n), now);
}

void check_submission(const CommandSubmission& s, HandshakeState state, bool treatment) {
  if (!s.accepted()) {
    return;
  }
  check(state == HandshakeState::kEstablished ||
        (!treatment && state == HandshakeState::kMismatch));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Observer observer;
  Instant now{};
  GeneratorDriver driver(observer, now);
  driver.set_handshake_policy({.accepted_firmware_versions = {"1.0.0"}});
  fuzz::Script script({data, size});
  bool pulse_mode = false;
  std::uint64_t nonce = 0;
  std::array<std::uint8_t, 1024> out{};
  auto on_bytes = [&](std::span<const std::uint8_t> bytes) { driver.on_bytes(bytes, now); };
  while (!script.done()) {
    switch (script.op()) {
      case fuzz::Op::kRawBytes:
        on_bytes(script.bytes(script.byte()));
        break;
      case fuzz::Op::kFrame:
        fuzz::feed_frame(script, on_bytes);
        break;
      case fuzz::Op::kTick:
        now += microseconds(50) * script.byte();
        driver.tick(now);
        break;
      case fuzz::Op::kTakeOutput: {
        const std::size_t limit = (std::size_t{script.byte()} + 1) * 4;
        const std::size_t n = driver.take_output(std::span(out).first(limit), now);
        check(n <= limit);
        fuzz::check_output(std::span(out).first(n), pulse_mode);
        break;
      }
      case fuzz::Op::kSend: {
        const std::uint8_t kind = script.byte();
        const std::uint8_t value = script.byte();
        const HandshakeState state = driver.handshake_state();
        switch (kind % 8) {
          case 0:
            check_submission(driver.deliver_pulse({.pulse_id = value,
                                                   .power = watts(value % 50 + 1),
                                                   .duration = milliseconds(100),
                                                   .energy_cap = millijoules(value),
                                                   .epoch = value,
                                                   .expires_at_board_us = value}),
                             state, true);
            break;
          case 1:
            check_submission(driver.configure({}), state, true);
            break;
          case 2:
            check_submission(driver.query_counters(), state, false);
            break;
          case 3:
            check_submission(driver.set_relay((value & 1) != 0), state, (value & 1) != 0);
            break;
          case 4:
            driver.stop_rf(value);
            break;
          case 5:
            driver.send_heartbeat((value & 1) != 0, value);
            break;
          case 6:
            check_submission(driver.query_pulse_log(value, value % 4 + 1), state, false);
            break;
          default:
            feed_handshake_reply(driver, nonce, value, now);
            break;
        }
        break;
      }
      case fuzz::Op::kPulseMode:
        pulse_mode = (script.byte() & 1) != 0;
        driver.set_pulse_mode(pulse_mode);
        break;
      case fuzz::Op::kNewSession:
        nonce = std::uint64_t{script.byte()} + 1;
        driver.start_session(nonce, now);
        break;
      case fuzz::Op::kCount:
        break;
    }
    const LinkStats& stats = driver.link_stats();
    check(stats.delivered_reliable + stats.delivered_unreliable <= stats.frames_received);
    check(stats.payload_errors <= stats.delivered_reliable + stats.delivered_unreliable);
  }
  return 0;
}
