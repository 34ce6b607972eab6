// The generator's RF pulse: admission (the gate of docs/protocol.md 6.5), timing by the
// board itself, and its end, each ending logged and reported once.
#include <algorithm>

#include "hal/gate_result_code.h"
#include "simulator/firmware/generator_firmware.h"
#include "simulator/firmware/wire_ranges.h"

namespace rfneedle::sim {
namespace {

using device::ResultCode;

}  // namespace

ResultCode GeneratorFirmware::deliver_pulse(const device::DeliverPulse& p) {
  if (hw_.lines.estop) {
    return device::RESULT_ESTOP;
  }
  if (latched()) {
    return device::RESULT_LATCHED;
  }
  if (!configured_) {
    return device::RESULT_NOT_CONFIGURED;
  }
  if (pulse_ || measurement_) {
    return device::RESULT_BUSY;
  }
  // Refused above the configured limits, whose compiled-in maxima are the envelope
  // (SR-17, SR-18, SR-19).
  if (!within<std::uint64_t>(p.pulse_id(), 1, kMaxPulseId) ||
      !within<std::int64_t>(p.power_mw(), 1'000, max_power_.value()) ||
      !within<std::int64_t>(
          p.duration_ms(), 10,
          std::chrono::duration_cast<std::chrono::milliseconds>(max_pulse_).count()) ||
      !within<std::int64_t>(p.energy_cap_uj(), 1'000, max_energy_.value())) {
    return device::RESULT_OUT_OF_RANGE;
  }
  if (!relay_closed_) {
    return device::RESULT_RELAY_OPEN;  // SR-23
  }
  if (!hw_.lines.needles_at_depth) {
    return device::RESULT_NOT_AT_DEPTH;  // SR-08
  }
  const hal::GateResult gate = link_.gate().admit_pulse(
      p.pulse_id(), p.epoch(), link_.board_instant(p.expires_at_board_us()), now_);
  if (gate != hal::GateResult::kOk) {
    return hal::to_result_code(gate);
  }
  Pulse pulse{};
  pulse.record.pulse_id = p.pulse_id();
  pulse.record.epoch = p.epoch();
  pulse.record.started_at_board_us = link_.board_us(now_);
  pulse.record.set_power_mw = p.power_mw();
  pulse.record.impedance_min_ohm = kOpenImpedanceOhm;
  pulse.started = now_;
  pulse.last_sample = now_;
  pulse.duration = std::min<Duration>(milliseconds(p.duration_ms()), kGeneratorPulseCap);
  pulse.cap = Microjoules(p.energy_cap_uj());
  pulse_ = pulse;
  last_pulse_id_ = p.pulse_id();
  energy_uj_ = 0;
  hw_.output.set_power_setpoint(std::min(Milliwatts(p.power_mw()), max_power_));
  hw_.output.set_output_enabled(true);
  hw_.lines.rf_active = true;
  link_.session().set_pulse_mode(true);
  return device::RESULT_OK;
}

void GeneratorFirmware::step_pulse(Instant now) {
  if (!pulse_) {
    return;
  }
  Pulse& pulse = *pulse_;
  const GeneratorReading reading = measured();
  const Duration dt = now - pulse.last_sample;
  pulse.last_sample = now;
  pulse.energy_uj += static_cast<double>(reading.power.value()) * static_cast<double>(dt.count()) *
                     1e-3;  // mW x µs = nJ
  energy_uj_ = static_cast<std::uint32_t>(pulse.energy_uj);
  live_impedance_ohm_ = wire_ohm(reading.impedance);
  if (reading.power.value() > 0) {
    pulse.record.impedance_min_ohm =
        std::min(pulse.record.impedance_min_ohm, wire_ohm(reading.impedance));
    pulse.record.impedance_max_ohm =
        std::max(pulse.record.impedance_max_ohm, wire_ohm(reading.impedance));
  }
  const Duration elapsed = now - pulse.started;
  if (!hw_.lines.needles_at_depth) {
    trip(device::FAULT_AT_DEPTH_LOST, 0, now);  // SR-08
    return;
  }
  if (static_cast<double>(reading.power.value()) >
      static_cast<double>(max_power_.value()) * kPowerCeilingTolerance) {
    trip(device::FAULT_POWER_CEILING, static_cast<std::int32_t>(reading.power.value()), now);
    return;
  }
  if (pulse.energy_uj >= static_cast<double>(pulse.cap.value())) {
    trip(device::FAULT_ENERGY_CAP, static_cast<std::int32_t>(energy_uj_), now);  // SR-19
    return;
  }
  if (elapsed >= pulse.duration) {
    end_pulse(device::PULSE_END_DURATION, now);
    return;
  }
  if (elapsed >= kGeneratorPulseCap) {
    // Independent of the commanded duration, which is already at most the cap (SR-18).
    trip(device::FAULT_PULSE_TIME_CAP, static_cast<std::int32_t>(elapsed.count() / 1000), now);
  }
}

void GeneratorFirmware::power_off(Instant now) {
  end_pulse(device::PULSE_END_FAULT, now);
  relay_closed_ = false;
  hw_.output.set_relay_closed(false);
}

void GeneratorFirmware::end_pulse(device::PulseEnd end, Instant now) {
  hw_.output.set_output_enabled(false);
  hw_.output.set_power_setpoint(Milliwatts(0));
  if (!pulse_) {
    return;
  }
  PulseRecord record = pulse_->record;
  const Duration duration = now - pulse_->started;
  record.delivered_duration_us = wire_unsigned(duration.count());
  record.delivered_energy_uj = energy_uj_;
  record.mean_power_mw = duration.count() > 0
                             ? wire_unsigned(static_cast<std::int64_t>(
                                   pulse_->energy_uj * 1e3 / static_cast<double>(duration.count())))
                             : 0;
  if (record.impedance_min_ohm > record.impedance_max_ohm) {
    record.impedance_min_ohm = record.impedance_max_ohm;
  }
  record.end = end;
  pulse_.reset();
  link_.session().set_pulse_mode(false);
  ++memory_.lifetime_pulses;
  memory_.lifetime_energy_uj += record.delivered_energy_uj;
  memory_.pulse_log.append(record);
  message_.Clear();
  fill_entry(record, *message_.mutable_pulse_ended());
  (void)link_.send(message_, hal::Delivery::kReliable);
}

}  // namespace rfneedle::sim
