// What both simulated boards share on their side of the link (DESIGN 3): the board-side
// LinkSession (no dead-link detector: the board relies on its dead-man), the BoardGate,
// the dead-man time the controller configured, the board clock (µs since the board
// booted), and the serialisation of outgoing envelopes into a fixed buffer.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "hal/board_gate.h"
#include "hal/frame.h"
#include "hal/link_session.h"
#include "hal/time.h"
#include "proto/device.pb.h"

namespace rfneedle::sim {

inline constexpr std::uint32_t kBoardProtocolVersion = 1;  // device.proto, docs/protocol.md

// Starts the one CommandResult that answers `command_id`, in the board's envelope
// `message` (GeneratorMessage or ActuatorMessage).
template <typename Message>
device::CommandResult& start_result(Message& message, std::uint32_t command_id,
                                    device::ResultCode result) {
  message.Clear();
  device::CommandResult& reply = *message.mutable_result();
  reply.set_command_id(command_id);
  reply.set_result(result);
  return reply;
}

struct BoardIdentity {
  std::string firmware_version = "sim-1.0.0";
  std::string serial_number;
};

class BoardLink {
 public:
  BoardLink(hal::LinkListener& listener, Instant boot);
  BoardLink(const BoardLink&) = delete;
  BoardLink& operator=(const BoardLink&) = delete;

  [[nodiscard]] std::uint64_t board_us(Instant now) const;
  [[nodiscard]] Instant board_instant(std::uint64_t board_us) const;

  // True when the request's nonce starts a new session: the session and the gate are
  // reset (SR-42). A zero nonce is outside its range and changes nothing.
  bool on_handshake(const device::HandshakeRequest& request, Instant now);
  [[nodiscard]] bool connected() const { return gate_.nonce().has_value(); }

  // The dead-man, renewed by every valid frame the session saw; it runs only once a
  // controller has connected (before that no command can have turned anything on). It
  // trips on the first tick the gate's dead-man time or more after the last valid frame.
  [[nodiscard]] hal::DeadManEvent tick(Instant now);
  // From ConfigureGenerator / ConfigureActuator `dead_man_ms` (clamped by the gate to
  // 20..50 ms); volatile: a reboot returns to 50 ms.
  void set_dead_man(Duration after);

  // Serialises and queues; false when the message did not fit or the queue refused it.
  bool send(const google::protobuf::MessageLite& message, hal::Delivery delivery);
  // A reliable BoardEvent in the board's envelope `message` (GeneratorMessage or
  // ActuatorMessage); none without a session: the latch then shows in the handshake reply.
  template <typename Message>
  void send_event(Message& message, device::BoardEventKind kind, device::FaultCode fault,
                  std::int32_t value, std::uint32_t latched_faults, Instant now) {
    if (!connected()) {
      return;
    }
    message.Clear();
    device::BoardEvent& event = *message.mutable_event();
    event.set_kind(kind);
    event.set_fault(fault);
    event.set_board_time_us(board_us(now));
    event.set_latched_faults(latched_faults);
    event.set_value(value);
    (void)send(message, hal::Delivery::kReliable);
  }
  bool send_urgent(const google::protobuf::MessageLite& message, hal::Delivery delivery);

  [[nodiscard]] hal::LinkSession& session() { return session_; }
  [[nodiscard]] const hal::LinkSession& session() const { return session_; }
  [[nodiscard]] hal::BoardGate& gate() { return gate_; }
  [[nodiscard]] const hal::BoardGate& gate() const { return gate_; }
  [[nodiscard]] std::uint32_t dead_man_trips() const { return dead_man_trips_; }

 private:
  [[nodiscard]] std::span<const std::uint8_t> serialise(
      const google::protobuf::MessageLite& message);

  Instant boot_;
  hal::LinkSession session_;
  hal::BoardGate gate_;
  std::uint32_t dead_man_trips_ = 0;
  std::array<std::uint8_t, hal::kMaxPayloadBytes> scratch_{};
};

void fill_handshake_reply(const BoardIdentity& identity, device::BoardKind kind,
                          std::uint64_t nonce, std::uint32_t latched_faults,
                          device::HandshakeReply& reply);
void fill_link_counters(const hal::LinkStats& stats, std::uint32_t dead_man_trips,
                        device::LinkCounters& counters);

template <typename T>
[[nodiscard]] constexpr bool within(T value, T low, T high) {
  return value >= low && value <= high;
}

}  // namespace rfneedle::sim
