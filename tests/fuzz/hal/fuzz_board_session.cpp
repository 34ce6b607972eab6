// libFuzzer target for the board side of a link: a LinkSession with the BoardGate behind
// it, as every board implementation runs them, fed a script of bytes in random chunks,
// frames with chosen headers, random ticks, sends and new sessions. Invariants, checked
// with abort():
// - reliable payloads are delivered with consecutive sequence numbers from 0 in each
//   session, each once (SR-34);
// - the gate admits a pulse only while RF is permitted in the pulse's epoch, and pulse
//   IDs it admits strictly increase within a session (SR-35, SR-37, SR-42);
// - every written frame decodes, whole; none over 64 wire bytes in pulse mode (SR-43);
// - queues and the window never grow past their bounds.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "hal/board_gate.h"
#include "hal/link_session.h"
#include "proto/device.pb.h"
#include "tests/fuzz/hal/session_fuzz_script.h"

namespace {

using namespace rfneedle;
using namespace rfneedle::hal;
using fuzz::check;

struct Board final : LinkListener {
  void on_payload(const ReceivedPayload& p) override {
    if (p.delivery == Delivery::kReliable) {
      check(p.seq == expected_seq);
      expected_seq = static_cast<std::uint16_t>(expected_seq + 1);
    }
    device::GeneratorCommand command;
    if (!command.ParseFromArray(p.bytes.data(), static_cast<int>(p.bytes.size()))) {
      session.report_payload_error();
      return;
    }
    switch (command.body_case()) {
      case device::GeneratorCommand::kHandshake:
        if (gate.on_handshake(command.handshake().session_nonce())) {
          session.reset(command.handshake().session_nonce(), now);
          expected_seq = 0;
          last_admitted.reset();
        }
        break;
      case device::GeneratorCommand::kHeartbeat:
        (void)gate.on_heartbeat(command.heartbeat().rf_permitted(), command.heartbeat().epoch());
        break;
      case device::GeneratorCommand::kAbort:
        check(gate.on_abort(command.abort().epoch()) == GateAction::kRfOff);
        check(!gate.rf_permitted());
        break;
      case device::GeneratorCommand::kDeliverPulse: {
        const auto& pulse = command.deliver_pulse();
        const bool permitted = gate.rf_permitted();
        const std::uint32_t epoch = gate.epoch();
        const Instant expires(microseconds(
            static_cast<std::int64_t>(pulse.expires_at_board_us() & 0x3FFFFFFFFFFFFULL)));
        if (gate.admit_pulse(pulse.pulse_id(), pulse.epoch(), expires, now) == GateResult::kOk) {
          check(permitted && pulse.epoch() == epoch);
          check(!last_admitted || pulse.pulse_id() > *last_admitted);
          check(expires > now && expires <= now + BoardGate::kExpiryHorizon);
          last_admitted = pulse.pulse_id();
        }
        break;
      }
      case device::GeneratorCommand::kClearLatchedFaults:
        gate.clear_dead_man(now);
        break;
      default:
        break;
    }
  }
  void on_link_fault(LinkFault) override {}

  Instant now{};
  LinkSession session{LinkConfig{.dead_link_after = Duration::zero()}, *this, Instant{}};
  BoardGate gate{Instant{}};
  std::uint16_t expected_seq = 0;
  std::optional<std::uint64_t> last_admitted;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Board board;
  fuzz::Script script({data, size});
  bool pulse_mode = false;
  std::array<std::uint8_t, 1024> out{};
  auto on_bytes = [&](std::span<const std::uint8_t> bytes) {
    const auto before = board.session.stats().frames_received;
    board.session.on_bytes(bytes, board.now);
    if (board.session.stats().frames_received != before) {
      board.gate.on_valid_frame(board.now);
    }
  };
  while (!script.done()) {
    switch (script.op()) {
      case fuzz::Op::kRawBytes:
        on_bytes(script.bytes(script.byte()));
        break;
      case fuzz::Op::kFrame:
        fuzz::feed_frame(script, on_bytes);
        break;
      case fuzz::Op::kTick:
        board.now += microseconds(50) * script.byte();
        board.session.tick(board.now);
        if (board.gate.tick(board.now) == DeadManEvent::kTripped) {
          check(!board.gate.rf_permitted());
        }
        break;
      case fuzz::Op::kTakeOutput: {
        const std::size_t limit = (std::size_t{script.byte()} + 1) * 4;
        const std::size_t n = board.session.take_output(std::span(out).first(limit), board.now);
        check(n <= limit);
        fuzz::check_output(std::span(out).first(n), pulse_mode);
        break;
      }
      case fuzz::Op::kSend: {
        const std::uint8_t kind = script.byte();
        std::array<std::uint8_t, kMaxPayloadBytes + 8> payload{};
        payload.fill(script.byte());
        const std::size_t length = script.byte() + (kind & 0x80 ? 8 : 0);
        const auto bytes = std::span<const std::uint8_t>(payload).first(length);
        switch (kind % 3) {
          case 0:
            (void)board.session.send_reliable(bytes);
            break;
          case 1:
            (void)board.session.send_unreliable(bytes);
            break;
          default:
            (void)board.session.send_urgent(bytes,
                                            kind & 1 ? Delivery::kReliable : Delivery::kUnreliable);
            break;
        }
        break;
      }
      case fuzz::Op::kPulseMode:
        pulse_mode = (script.byte() & 1) != 0;
        board.session.set_pulse_mode(pulse_mode);
        break;
      case fuzz::Op::kNewSession:
        board.session.reset(script.byte(), board.now);
        board.expected_seq = 0;
        break;
      case fuzz::Op::kCount:
        break;
    }
    check(board.session.in_flight() <= LinkSession::kWindow + LinkSession::kUrgentQueueCapacity);
    check(board.session.queued_reliable() <= LinkSession::kReliableQueueCapacity);
  }
  return 0;
}
