#include "hal/actuator_driver.h"

namespace rfneedle::hal {
namespace {

google::protobuf::ArenaOptions arena_options(std::span<char> block) {
  google::protobuf::ArenaOptions options;
  options.initial_block = block.data();
  options.initial_block_size = block.size();
  return options;
}

}  // namespace

ActuatorDriver::ActuatorDriver(ActuatorObserver& observer, Instant now)
    : observer_(observer),
      link_(*this, device::BOARD_KIND_ACTUATOR, now),
      now_(now),
      arena_(arena_options(arena_block_)) {}

void ActuatorDriver::on_bytes(std::span<const std::uint8_t> bytes, Instant now) {
  now_ = now;
  link_.session().on_bytes(bytes, now);
}

void ActuatorDriver::on_payload(const ReceivedPayload& payload) {
  auto* message = google::protobuf::Arena::CreateMessage<device::ActuatorMessage>(&arena_);
  if (!message->ParseFromArray(payload.bytes.data(), static_cast<int>(payload.bytes.size())) ||
      message->body_case() == device::ActuatorMessage::BODY_NOT_SET) {
    link_.session().report_payload_error();
    arena_.Reset();
    return;
  }
  switch (message->body_case()) {
    case device::ActuatorMessage::kTelemetry: {
      const std::uint32_t missed =
          link_.session().note_telemetry_sample(message->telemetry().sample_counter());
      observer_.on_actuator_telemetry(message->telemetry(), missed);
      break;
    }
    case device::ActuatorMessage::kHandshake:
      if (link_.on_handshake_reply(message->handshake(), now_)) {
        observer_.on_actuator_handshake(message->handshake(), link_.mismatch());
      }
      break;
    case device::ActuatorMessage::kResult:
      observer_.on_actuator_result(message->result());
      break;
    case device::ActuatorMessage::kEvent:
      observer_.on_actuator_event(message->event());
      break;
    case device::ActuatorMessage::BODY_NOT_SET:
      break;
  }
  arena_.Reset();
}

CommandSubmission ActuatorDriver::configure(const device::ConfigureActuator& limits) {
  device::ActuatorCommand command;
  *command.mutable_configure() = limits;
  return link_.send(command, true);
}

CommandSubmission ActuatorDriver::move(device::NeedleMotion motion, std::uint32_t depth_um,
                                       bool treatment) {
  device::ActuatorCommand command;
  device::MoveNeedle* body = command.mutable_move_needle();
  body->set_motion(motion);
  body->set_depth_um(depth_um);
  return link_.send(command, treatment);
}

CommandSubmission ActuatorDriver::insert(Micrometres depth) {
  return move(device::NEEDLE_MOTION_INSERT, static_cast<std::uint32_t>(depth.value()), true);
}

// Homing and retraction move needles out of the skin: allowed even after a mismatch.
CommandSubmission ActuatorDriver::home() { return move(device::NEEDLE_MOTION_HOME, 0, false); }

CommandSubmission ActuatorDriver::retract() {
  return move(device::NEEDLE_MOTION_RETRACT, 0, false);
}

CommandSubmission ActuatorDriver::read_cartridge() {
  device::ActuatorCommand command;
  (void)command.mutable_cartridge_read();
  return link_.send(command, false);
}

CommandSubmission ActuatorDriver::bind_cartridge(std::uint64_t session_id) {
  device::ActuatorCommand command;
  command.mutable_cartridge_bind()->set_session_id(session_id);
  return link_.send(command, true);
}

CommandSubmission ActuatorDriver::consume_cartridge(std::uint64_t pulse_id) {
  device::ActuatorCommand command;
  command.mutable_cartridge_consume()->set_pulse_id(pulse_id);
  return link_.send(command, true);
}

CommandSubmission ActuatorDriver::measure_fixture(std::uint32_t load_index) {
  device::ActuatorCommand command;
  command.mutable_fixture_measure()->set_load_index(load_index);
  return link_.send(command, false);
}

CommandSubmission ActuatorDriver::clear_latched_faults(std::uint32_t fault_bits) {
  device::ActuatorCommand command;
  command.mutable_clear_latched_faults()->set_faults(fault_bits);
  return link_.send(command, false);
}

CommandSubmission ActuatorDriver::query_counters() {
  device::ActuatorCommand command;
  (void)command.mutable_counters_query();
  return link_.send(command, false);
}

}  // namespace rfneedle::hal
