#include "simulator/firmware/board_firmware.h"

namespace rfneedle::sim {

template <typename Command, typename Message>
BoardFirmware<Command, Message>::BoardFirmware(const BoardIdentity& identity,
                                               device::BoardKind kind, Instant boot, bool rebooted)
    : link_(*this, boot), now_(boot), identity_(identity), kind_(kind) {
  if (rebooted) {
    (void)latched_.latch(device::FAULT_REBOOT);
  }
}

template <typename Command, typename Message>
void BoardFirmware<Command, Message>::on_bytes(std::span<const std::uint8_t> bytes, Instant now) {
  now_ = now;
  link_.session().on_bytes(bytes, now);
}

template <typename Command, typename Message>
std::size_t BoardFirmware<Command, Message>::take_output(std::span<std::uint8_t> out, Instant now) {
  return link_.session().take_output(out, now);
}

template <typename Command, typename Message>
void BoardFirmware<Command, Message>::on_payload(const hal::ReceivedPayload& payload) {
  const Command* command = parser_.parse(payload.bytes);
  if (command == nullptr) {
    link_.session().report_payload_error();
    return;
  }
  if (command->has_handshake()) {
    on_handshake(command->handshake());
    return;
  }
  if (command->has_heartbeat()) {
    if (link_.gate().on_heartbeat(command->heartbeat().rf_permitted(),
                                  command->heartbeat().epoch()) == hal::GateAction::kRfOff) {
      on_rf_off_ordered();
    }
    return;
  }
  if (payload.delivery != hal::Delivery::kReliable || command->command_id() == 0) {
    return;  // every other command is reliable and numbered (device.proto)
  }
  if (!link_.connected()) {
    answer(command->command_id(), device::RESULT_HANDSHAKE_REQUIRED);
    return;
  }
  execute(*command);
}

template <typename Command, typename Message>
void BoardFirmware<Command, Message>::on_handshake(const device::HandshakeRequest& request) {
  const bool new_session = link_.on_handshake(request, now_);
  if (new_session) {
    on_new_session();
  }
  if (!link_.connected()) {
    return;
  }
  message_.Clear();
  fill_handshake_reply(identity_, kind_, *link_.gate().nonce(), latched_.bits(),
                       *message_.mutable_handshake());
  complete_handshake_reply(*message_.mutable_handshake());
  (void)link_.send(message_, hal::Delivery::kUnreliable);
  if (new_session && !boot_reported_) {
    // The reply goes first (unreliable frames are written before new reliable ones), then
    // this is the session's first reliable frame (docs/protocol.md 6.6).
    boot_reported_ = true;
    send_event(device::BOARD_EVENT_BOOTED, device::FAULT_UNSPECIFIED, 0, now_);
  }
}

template <typename Command, typename Message>
device::ResultCode BoardFirmware<Command, Message>::clear_latched(std::uint32_t mask) {
  const std::uint32_t cleared = latched_.clear_where_gone(
      mask, [this](device::FaultCode fault) { return latch_cause_present(fault); });
  if ((cleared & LatchedFaults::bit(device::FAULT_DEAD_MAN)) != 0) {
    link_.gate().clear_dead_man(now_);
  }
  if ((latched_.bits() & mask) != 0) {
    return device::RESULT_LATCHED;
  }
  send_event(device::BOARD_EVENT_FAULTS_CLEARED, device::FAULT_UNSPECIFIED, 0, now_);
  return device::RESULT_OK;
}

template <typename Command, typename Message>
void BoardFirmware<Command, Message>::answer(std::uint32_t command_id, device::ResultCode result) {
  (void)start_result(message_, command_id, result);
  (void)link_.send(message_, hal::Delivery::kReliable);
}

template <typename Command, typename Message>
bool BoardFirmware<Command, Message>::latch(device::FaultCode fault, std::int32_t value,
                                            Instant now) {
  if (!latched_.latch(fault)) {
    return false;
  }
  send_event(device::BOARD_EVENT_FAULT_LATCHED, fault, value, now);
  return true;
}

template <typename Command, typename Message>
void BoardFirmware<Command, Message>::send_event(device::BoardEventKind kind,
                                                 device::FaultCode fault, std::int32_t value,
                                                 Instant now) {
  link_.send_event(message_, kind, fault, value, latched_.bits(), now);
}

template <typename Command, typename Message>
void BoardFirmware<Command, Message>::fill_counters(std::uint32_t boot_count,
                                                    device::CountersReply& counters) const {
  counters.set_boot_count(boot_count);
  counters.set_uptime_us(link_.board_us(now_));
  fill_link_counters(link_.session().stats(), link_.dead_man_trips(), *counters.mutable_link());
}

template class BoardFirmware<device::GeneratorCommand, device::GeneratorMessage>;
template class BoardFirmware<device::ActuatorCommand, device::ActuatorMessage>;

}  // namespace rfneedle::sim
