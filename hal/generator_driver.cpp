#include "hal/generator_driver.h"

namespace rfneedle::hal {
namespace {

google::protobuf::ArenaOptions arena_options(std::span<char> block) {
  google::protobuf::ArenaOptions options;
  options.initial_block = block.data();
  options.initial_block_size = block.size();
  return options;
}

}  // namespace

GeneratorDriver::GeneratorDriver(GeneratorObserver& observer, Instant now)
    : observer_(observer),
      link_(*this, device::BOARD_KIND_GENERATOR, now),
      now_(now),
      arena_(arena_options(arena_block_)) {}

void GeneratorDriver::on_bytes(std::span<const std::uint8_t> bytes, Instant now) {
  now_ = now;
  link_.session().on_bytes(bytes, now);
}

void GeneratorDriver::on_payload(const ReceivedPayload& payload) {
  auto* message = google::protobuf::Arena::CreateMessage<device::GeneratorMessage>(&arena_);
  if (!message->ParseFromArray(payload.bytes.data(), static_cast<int>(payload.bytes.size())) ||
      message->body_case() == device::GeneratorMessage::BODY_NOT_SET) {
    link_.session().report_payload_error();
    arena_.Reset();
    return;
  }
  switch (message->body_case()) {
    case device::GeneratorMessage::kTelemetry: {
      const std::uint32_t missed =
          link_.session().note_telemetry_sample(message->telemetry().sample_counter());
      observer_.on_generator_telemetry(message->telemetry(), missed);
      break;
    }
    case device::GeneratorMessage::kHandshake:
      if (link_.on_handshake_reply(message->handshake(), now_)) {
        observer_.on_generator_handshake(message->handshake(), link_.mismatch());
      }
      break;
    case device::GeneratorMessage::kResult:
      observer_.on_generator_result(message->result());
      break;
    case device::GeneratorMessage::kEvent:
      observer_.on_generator_event(message->event());
      break;
    case device::GeneratorMessage::kPulseEnded:
      observer_.on_pulse_ended(message->pulse_ended());
      break;
    case device::GeneratorMessage::BODY_NOT_SET:
      break;
  }
  arena_.Reset();
}

void GeneratorDriver::stop_rf(std::uint32_t new_epoch) {
  // Both go through the urgent path, the heartbeat first (SR-38): unreliable, it is acted
  // on as it arrives, and its new epoch (raised on the board, SR-35) voids any pulse
  // command still on its way, even one retransmitted behind the abort. Without a session
  // the abort cannot be sent reliably; the heartbeat still goes.
  link_.send_heartbeat(false, new_epoch);
  device::GeneratorCommand abort;
  abort.mutable_abort()->set_epoch(new_epoch);
  (void)link_.send(abort, false, true);
}

CommandSubmission GeneratorDriver::configure(const device::ConfigureGenerator& limits) {
  device::GeneratorCommand command;
  *command.mutable_configure() = limits;
  return link_.send(command, true);
}

CommandSubmission GeneratorDriver::deliver_pulse(const PulseCommand& pulse) {
  device::GeneratorCommand command;
  device::DeliverPulse* body = command.mutable_deliver_pulse();
  body->set_pulse_id(pulse.pulse_id);
  body->set_power_mw(static_cast<std::uint32_t>(pulse.power.value()));
  body->set_duration_ms(
      static_cast<std::uint32_t>(std::chrono::duration_cast<milliseconds>(pulse.duration).count()));
  body->set_energy_cap_uj(static_cast<std::uint32_t>(pulse.energy_cap.value()));
  body->set_epoch(pulse.epoch);
  body->set_expires_at_board_us(pulse.expires_at_board_us);
  return link_.send(command, true);
}

CommandSubmission GeneratorDriver::measure_impedance(Duration duration) {
  device::GeneratorCommand command;
  command.mutable_measure_impedance()->set_duration_ms(
      static_cast<std::uint32_t>(std::chrono::duration_cast<milliseconds>(duration).count()));
  return link_.send(command, false);
}

CommandSubmission GeneratorDriver::set_relay(bool closed) {
  device::GeneratorCommand command;
  command.mutable_set_relay()->set_closed(closed);
  // Closing the relay enables output: a treatment command. Opening it is always allowed.
  return link_.send(command, closed);
}

CommandSubmission GeneratorDriver::clear_latched_faults(std::uint32_t fault_bits) {
  device::GeneratorCommand command;
  command.mutable_clear_latched_faults()->set_faults(fault_bits);
  return link_.send(command, false);
}

CommandSubmission GeneratorDriver::query_counters() {
  device::GeneratorCommand command;
  (void)command.mutable_counters_query();
  return link_.send(command, false);
}

CommandSubmission GeneratorDriver::query_pulse_log(std::uint64_t from_pulse_id,
                                                   std::uint32_t max_entries) {
  device::GeneratorCommand command;
  device::PulseLogQuery* query = command.mutable_pulse_log_query();
  query->set_from_pulse_id(from_pulse_id);
  query->set_max_entries(max_entries);
  return link_.send(command, false);
}

}  // namespace rfneedle::hal
