#include "hal/actuator_driver.h"

namespace rfneedle::hal {

CommandSubmission ActuatorDriver::configure(const device::ConfigureActuator& limits) {
  device::ActuatorCommand command;
  *command.mutable_configure() = limits;
  return send(command, true);
}

CommandSubmission ActuatorDriver::move(device::NeedleMotion motion, std::uint32_t depth_um,
                                       bool treatment) {
  device::ActuatorCommand command;
  device::MoveNeedle* body = command.mutable_move_needle();
  body->set_motion(motion);
  body->set_depth_um(depth_um);
  return send(command, treatment);
}

CommandSubmission ActuatorDriver::insert(Micrometres depth) {
  return move(device::NEEDLE_MOTION_INSERT, static_cast<std::uint32_t>(depth.value()), true);
}

// Homing and retraction move needles out of the skin: allowed even after a mismatch.
CommandSubmission ActuatorDriver::home() { return move(device::NEEDLE_MOTION_HOME, 0, false); }

CommandSubmission ActuatorDriver::retract() {
  return move(device::NEEDLE_MOTION_RETRACT, 0, false);
}

CommandSubmission ActuatorDriver::halt() { return move(device::NEEDLE_MOTION_STOP, 0, false); }

CommandSubmission ActuatorDriver::read_cartridge() {
  device::ActuatorCommand command;
  (void)command.mutable_cartridge_read();
  return send(command, false);
}

CommandSubmission ActuatorDriver::bind_cartridge(std::uint64_t session_id,
                                                 std::uint32_t today_unix_days) {
  device::ActuatorCommand command;
  device::CartridgeBind* bind = command.mutable_cartridge_bind();
  bind->set_session_id(session_id);
  bind->set_today_unix_days(today_unix_days);
  return send(command, true);
}

CommandSubmission ActuatorDriver::consume_cartridge(std::uint64_t pulse_id,
                                                    std::uint32_t today_unix_days) {
  device::ActuatorCommand command;
  device::CartridgeConsume* consume = command.mutable_cartridge_consume();
  consume->set_pulse_id(pulse_id);
  consume->set_today_unix_days(today_unix_days);
  return send(command, true);
}

CommandSubmission ActuatorDriver::measure_fixture(std::uint32_t load_index) {
  device::ActuatorCommand command;
  command.mutable_fixture_measure()->set_load_index(load_index);
  return send(command, false);
}

}  // namespace rfneedle::hal
