#include "simulator/firmware/board_link.h"

#include <algorithm>

#include "hal/device_proto_hash.h"

namespace rfneedle::sim {
namespace {

hal::LinkConfig board_link_config() {
  hal::LinkConfig config;
  config.dead_link_after = Duration::zero();  // BoardGate's dead-man acts instead (SR-39)
  return config;
}

}  // namespace

BoardLink::BoardLink(hal::LinkListener& listener, Instant boot)
    : boot_(boot), session_(board_link_config(), listener, boot), gate_(boot) {}

std::uint64_t BoardLink::board_us(Instant now) const {
  return static_cast<std::uint64_t>((now - boot_).count());
}

Instant BoardLink::board_instant(std::uint64_t board_us) const {
  return boot_ + microseconds(static_cast<std::int64_t>(board_us));
}

bool BoardLink::on_handshake(const device::HandshakeRequest& request, Instant now) {
  if (request.session_nonce() == 0 || !gate_.on_handshake(request.session_nonce())) {
    return false;
  }
  session_.reset(request.session_nonce(), now);
  gate_.on_valid_frame(now);
  return true;
}

hal::DeadManEvent BoardLink::tick(Instant now) {
  if (!connected()) {
    return hal::DeadManEvent::kNone;
  }
  gate_.on_valid_frame(session_.last_valid_frame());
  const hal::DeadManEvent event = gate_.tick(now);
  if (event == hal::DeadManEvent::kTripped) {
    ++dead_man_trips_;
  }
  return event;
}

void BoardLink::set_dead_man(Duration after) { gate_.set_dead_man_after(after); }

std::span<const std::uint8_t> BoardLink::serialise(const google::protobuf::MessageLite& message) {
  const std::size_t size = message.ByteSizeLong();
  if (size > scratch_.size() ||
      !message.SerializeToArray(scratch_.data(), static_cast<int>(scratch_.size()))) {
    return {};
  }
  return {scratch_.data(), size};
}

bool BoardLink::send(const google::protobuf::MessageLite& message, hal::Delivery delivery) {
  const std::span<const std::uint8_t> payload = serialise(message);
  if (payload.empty()) {
    return false;
  }
  const hal::SendResult result = delivery == hal::Delivery::kReliable
                                     ? session_.send_reliable(payload)
                                     : session_.send_unreliable(payload);
  return result == hal::SendResult::kQueued;
}

bool BoardLink::send_urgent(const google::protobuf::MessageLite& message, hal::Delivery delivery) {
  const std::span<const std::uint8_t> payload = serialise(message);
  if (payload.empty()) {
    return false;
  }
  return session_.send_urgent(payload, delivery) == hal::SendResult::kQueued;
}

void fill_handshake_reply(const BoardIdentity& identity, device::BoardKind kind,
                          std::uint64_t nonce, std::uint32_t latched_faults,
                          device::HandshakeReply& reply) {
  reply.set_protocol_version(kBoardProtocolVersion);
  reply.set_proto_hash(hal::kDeviceProtoHash);
  reply.set_firmware_version(identity.firmware_version);
  reply.set_serial_number(identity.serial_number);
  reply.set_simulated(true);
  reply.set_board_kind(kind);
  reply.set_session_nonce(nonce);
  reply.set_latched_faults(latched_faults);
}

void fill_link_counters(const hal::LinkStats& stats, std::uint32_t dead_man_trips,
                        device::LinkCounters& counters) {
  // The wire counters wrap at 2^32 (device.proto).
  const auto wrap = [](std::uint64_t v) { return static_cast<std::uint32_t>(v); };
  counters.set_frames_received(wrap(stats.frames_received));
  counters.set_frames_sent(wrap(stats.frames_sent));
  counters.set_framing_errors(wrap(stats.decoder.framing_errors));
  counters.set_oversize_errors(wrap(stats.decoder.oversize_errors));
  counters.set_crc_errors(wrap(stats.decoder.crc_errors));
  counters.set_version_errors(wrap(stats.decoder.version_errors));
  counters.set_payload_errors(wrap(stats.payload_errors));
  counters.set_retransmissions(wrap(stats.retransmissions));
  counters.set_duplicates(wrap(stats.duplicates_received));
  counters.set_dead_man_trips(dead_man_trips);
}

}  // namespace rfneedle::sim
