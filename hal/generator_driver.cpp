#include "hal/generator_driver.h"

namespace rfneedle::hal {

CommandSubmission GeneratorDriver::stop_rf(std::uint32_t new_epoch) {
  // Both go through the urgent path, the heartbeat first (SR-38): unreliable, it is acted
  // on as it arrives, and its new epoch (raised on the board, SR-35) voids any pulse
  // command still on its way, even one retransmitted behind the abort. Without a session
  // the abort cannot be sent reliably; the heartbeat still goes.
  (void)BoardDriver::stop_rf(new_epoch);
  device::GeneratorCommand abort;
  abort.mutable_abort()->set_epoch(new_epoch);
  return send(abort, false, true);
}

CommandSubmission GeneratorDriver::configure(const device::ConfigureGenerator& limits) {
  device::GeneratorCommand command;
  *command.mutable_configure() = limits;
  return send(command, true);
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
  return send(command, true);
}

CommandSubmission GeneratorDriver::measure_impedance(Duration duration) {
  device::GeneratorCommand command;
  command.mutable_measure_impedance()->set_duration_ms(
      static_cast<std::uint32_t>(std::chrono::duration_cast<milliseconds>(duration).count()));
  return send(command, false);
}

CommandSubmission GeneratorDriver::set_relay(bool closed) {
  device::GeneratorCommand command;
  command.mutable_set_relay()->set_closed(closed);
  // Closing the relay enables output: a treatment command. Opening it is always allowed.
  return send(command, closed);
}

CommandSubmission GeneratorDriver::query_pulse_log(std::uint64_t from_pulse_id,
                                                   std::uint32_t max_entries) {
  device::GeneratorCommand command;
  device::PulseLogQuery* query = command.mutable_pulse_log_query();
  query->set_from_pulse_id(from_pulse_id);
  query->set_max_entries(max_entries);
  return send(command, false);
}

}  // namespace rfneedle::hal
