// A board's interface (RfGenerator or NeedleActuator) over a BoardLink and device.proto,
// as far as both boards are alike: builds the board's command envelopes, parses its
// message envelopes (a parse failure counts as a payload error, SR-32), counts telemetry
// gaps and reports to the board's observer. The shell feeds it bytes and the 1 kHz tick
// and writes what take_output() returns.
//
// `Board` names the board's types: Command and Message (the envelopes, same field names
// on both boards), Observer, kKind, and the observer's functions kOnTelemetry, kOnResult,
// kOnEvent, kOnHandshake, kOnLinkFault (and kOnPulseEnded for the generator). The
// observers keep a function name per board on purpose: one object may observe both.
#pragma once

#include <google/protobuf/arena.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "hal/board_link.h"

namespace rfneedle::hal {

template <typename Board, typename Interface>
class BoardDriver : public Interface, private LinkListener {
 public:
  using Command = typename Board::Command;
  using Message = typename Board::Message;
  using Observer = typename Board::Observer;

  BoardDriver(Observer& observer, Instant now)
      : observer_(observer), link_(*this, Board::kKind, now), now_(now), arena_(arena_options()) {}

  void on_bytes(std::span<const std::uint8_t> bytes, Instant now) {
    now_ = now;
    link_.session().on_bytes(bytes, now);
  }
  void tick(Instant now) { link_.tick(now); }
  [[nodiscard]] std::size_t take_output(std::span<std::uint8_t> out, Instant now) {
    return link_.session().take_output(out, now);
  }
  [[nodiscard]] bool has_output() const { return link_.session().has_output(); }

  void set_handshake_policy(HandshakePolicy policy) override {
    link_.set_policy(std::move(policy));
  }
  void start_session(std::uint64_t nonce, Instant now) override { link_.start_session(nonce, now); }
  [[nodiscard]] HandshakeState handshake_state() const override { return link_.handshake_state(); }
  [[nodiscard]] HandshakeMismatch handshake_mismatch() const override { return link_.mismatch(); }
  void send_heartbeat(bool rf_permitted, std::uint32_t epoch) override {
    link_.send_heartbeat(rf_permitted, epoch);
  }
  CommandSubmission stop_rf(std::uint32_t new_epoch) override {
    link_.send_heartbeat(false, new_epoch);
    return {};
  }
  void set_pulse_mode(bool delivering_pulse) override {
    link_.session().set_pulse_mode(delivering_pulse);
  }

  [[nodiscard]] CommandSubmission clear_latched_faults(std::uint32_t fault_bits) override {
    Command command;
    command.mutable_clear_latched_faults()->set_faults(fault_bits);
    return link_.send(command, false);
  }
  [[nodiscard]] CommandSubmission query_counters() override {
    Command command;
    (void)command.mutable_counters_query();
    return link_.send(command, false);
  }

  [[nodiscard]] const LinkStats& link_stats() const override { return link_.session().stats(); }

 protected:
  // Assigns the command_id and queues the command, or says why not. Treatment commands
  // are refused after a handshake mismatch.
  [[nodiscard]] CommandSubmission send(Command& command, bool treatment, bool urgent = false) {
    return link_.send(command, treatment, urgent);
  }

 private:
  [[nodiscard]] google::protobuf::ArenaOptions arena_options() {
    google::protobuf::ArenaOptions options;
    options.initial_block = arena_block_.data();
    options.initial_block_size = arena_block_.size();
    return options;
  }

  void on_payload(const ReceivedPayload& payload) final {
    auto* message = google::protobuf::Arena::CreateMessage<Message>(&arena_);
    if (!message->ParseFromArray(payload.bytes.data(), static_cast<int>(payload.bytes.size())) ||
        message->body_case() == Message::BODY_NOT_SET) {
      link_.session().report_payload_error();
      arena_.Reset();
      return;
    }
    switch (message->body_case()) {
      case Message::kTelemetry: {
        const std::uint32_t missed =
            link_.session().note_telemetry_sample(message->telemetry().sample_counter());
        (observer_.*Board::kOnTelemetry)(message->telemetry(), missed);
        break;
      }
      case Message::kHandshake:
        if (link_.on_handshake_reply(message->handshake(), now_)) {
          (observer_.*Board::kOnHandshake)(message->handshake(), link_.mismatch());
        }
        break;
      case Message::kResult:
        (observer_.*Board::kOnResult)(message->result());
        break;
      case Message::kEvent:
        (observer_.*Board::kOnEvent)(message->event());
        break;
      default:
        // Only the generator logs pulses (DESIGN 3).
        if constexpr (requires { Board::kOnPulseEnded; }) {
          if (message->body_case() == Message::kPulseEnded) {
            (observer_.*Board::kOnPulseEnded)(message->pulse_ended());
          }
        }
        break;
    }
    arena_.Reset();
  }
  void on_link_fault(LinkFault fault) final { (observer_.*Board::kOnLinkFault)(fault); }

  Observer& observer_;
  BoardLink<Command> link_;
  Instant now_{};
  // Incoming envelopes are parsed into this arena, reset after each: no heap in steady
  // state.
  alignas(std::max_align_t) std::array<char, 4096> arena_block_{};
  google::protobuf::Arena arena_;
};

}  // namespace rfneedle::hal
