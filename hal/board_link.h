// The controller's end of one board link: a LinkSession plus what every driver does the
// same way on it: the handshake and its policy (DESIGN 3; SR-41, SR-42, SR-57),
// heartbeats, command IDs, and the urgent stop. `Command` is the board's command envelope
// (device::GeneratorCommand or device::ActuatorCommand: same field names).
//
// Heartbeats go only when the owner sends one: the controller core is their one producer
// (every 10 ms, SR-38), and its self-test withholds them to see a board's dead-man trip
// (DESIGN 4), which a heartbeat of the link's own would defeat.
//
// The handshake travels unreliably, command_id 0, repeated every 20 ms until the matching
// reply: the session is reset when the request is first sent and again when the reply
// arrives, so frames of an earlier session never count in this one (the board writes its
// reply before any reliable frame of the new session; the line is FIFO).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <utility>

#include "hal/device_proto_hash.h"
#include "hal/driver_result.h"
#include "hal/frame.h"
#include "hal/handshake_policy.h"
#include "hal/link_session.h"
#include "hal/time.h"
#include "proto/device.pb.h"

namespace rfneedle::hal {

template <typename Command>
class BoardLink {
 public:
  static constexpr Duration kHandshakeRepeat = milliseconds(20);

  BoardLink(LinkListener& listener, device::BoardKind board_kind, Instant now)
      : session_(LinkConfig{}, listener, now), board_kind_(board_kind) {}

  void set_policy(HandshakePolicy policy) { policy_ = std::move(policy); }

  void start_session(std::uint64_t nonce, Instant now) {
    session_.reset(nonce, now);
    state_ = HandshakeState::kWaiting;
    mismatch_ = HandshakeMismatch::kNone;
    next_command_id_ = 1;
    send_handshake(now);
  }

  // Returns true when the reply belongs to this session and settled the handshake.
  bool on_handshake_reply(const device::HandshakeReply& reply, Instant now) {
    if (state_ != HandshakeState::kWaiting || reply.session_nonce() != session_.nonce()) {
      return false;
    }
    session_.reset(session_.nonce(), now);
    mismatch_ = compare(reply);
    state_ = mismatch_ == HandshakeMismatch::kNone ? HandshakeState::kEstablished
                                                   : HandshakeState::kMismatch;
    return true;
  }

  // One heartbeat now, unreliable. rf_permitted = false takes the urgent path, ahead of
  // everything queued (SR-37, SR-38); the generator driver's stop sends its abort right
  // after it.
  void send_heartbeat(bool rf_permitted, std::uint32_t epoch) {
    device::Heartbeat* beat = heartbeat_.mutable_heartbeat();
    beat->set_rf_permitted(rf_permitted);
    beat->set_epoch(epoch);
    (void)send_raw(heartbeat_, Delivery::kUnreliable, !rf_permitted);
  }

  // Assigns the next command_id and queues the command, or says why not.
  [[nodiscard]] CommandSubmission send(Command& command, bool treatment, bool urgent = false) {
    if (state_ == HandshakeState::kMismatch && treatment) {
      return {0, DriverError::kHandshakeMismatch};
    }
    if (state_ != HandshakeState::kEstablished && state_ != HandshakeState::kMismatch) {
      return {0, DriverError::kNoSession};
    }
    command.set_command_id(next_command_id_);
    switch (send_raw(command, Delivery::kReliable, urgent)) {
      case SendResult::kQueued:
        break;
      case SendResult::kLinkFaulted:
        return {0, DriverError::kLinkFaulted};
      case SendResult::kQueueFull:
      case SendResult::kTooLarge:
        return {0, DriverError::kQueueFull};
    }
    const std::uint32_t id = next_command_id_;
    next_command_id_ = next_command_id_ == UINT32_MAX ? 1 : next_command_id_ + 1;
    return {id, DriverError::kNoSession};
  }

  void tick(Instant now) {
    session_.tick(now);
    if (state_ == HandshakeState::kNone) {
      return;
    }
    if (state_ == HandshakeState::kWaiting && now - handshake_sent_ >= kHandshakeRepeat) {
      send_handshake(now);
    }
  }

  [[nodiscard]] LinkSession& session() { return session_; }
  [[nodiscard]] const LinkSession& session() const { return session_; }
  [[nodiscard]] HandshakeState handshake_state() const { return state_; }
  [[nodiscard]] HandshakeMismatch mismatch() const { return mismatch_; }

 private:
  [[nodiscard]] HandshakeMismatch compare(const device::HandshakeReply& reply) const {
    if (reply.protocol_version() != kProtocolVersion) {
      return HandshakeMismatch::kProtocolVersion;
    }
    if (reply.proto_hash() != kDeviceProtoHash) {
      return HandshakeMismatch::kProtoHash;
    }
    if (reply.board_kind() != board_kind_) {
      return HandshakeMismatch::kBoardKind;
    }
    if (std::find(policy_.accepted_firmware_versions.begin(),
                  policy_.accepted_firmware_versions.end(),
                  reply.firmware_version()) == policy_.accepted_firmware_versions.end()) {
      return HandshakeMismatch::kFirmwareVersion;
    }
    if (reply.simulated() && !policy_.allow_simulated) {
      return HandshakeMismatch::kSimulated;
    }
    // Only the generator has an output voltage; the core plans power within it (DESIGN 4).
    if (board_kind_ == device::BOARD_KIND_GENERATOR &&
        (reply.max_voltage_mv() < kMinGeneratorVoltageLimitMv ||
         reply.max_voltage_mv() > kMaxGeneratorVoltageLimitMv)) {
      return HandshakeMismatch::kVoltageLimit;
    }
    return HandshakeMismatch::kNone;
  }

  void send_handshake(Instant now) {
    Command command;
    device::HandshakeRequest* request = command.mutable_handshake();
    request->set_protocol_version(kProtocolVersion);
    request->set_proto_hash(kDeviceProtoHash);
    request->set_session_nonce(session_.nonce());
    (void)send_raw(command, Delivery::kUnreliable, false);
    handshake_sent_ = now;
  }

  [[nodiscard]] SendResult send_raw(const Command& command, Delivery delivery, bool urgent) {
    const std::size_t size = command.ByteSizeLong();
    if (size > buffer_.size()) {
      return SendResult::kTooLarge;
    }
    // SerializeToArray writes into our buffer: no allocation.
    (void)command.SerializeToArray(buffer_.data(), static_cast<int>(size));
    const std::span<const std::uint8_t> payload(buffer_.data(), size);
    if (urgent) {
      return session_.send_urgent(payload, delivery);
    }
    return delivery == Delivery::kReliable ? session_.send_reliable(payload)
                                           : session_.send_unreliable(payload);
  }

  LinkSession session_;
  device::BoardKind board_kind_;
  HandshakePolicy policy_;
  HandshakeState state_ = HandshakeState::kNone;
  HandshakeMismatch mismatch_ = HandshakeMismatch::kNone;
  std::uint32_t next_command_id_ = 1;
  Instant handshake_sent_{};
  // One envelope reused for every heartbeat: after the first, no allocation.
  Command heartbeat_;
  std::array<std::uint8_t, kMaxPayloadBytes> buffer_{};
};

}  // namespace rfneedle::hal
