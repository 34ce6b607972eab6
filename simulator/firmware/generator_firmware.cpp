#include "simulator/firmware/generator_firmware.h"

#include <algorithm>

#include "simulator/firmware/wire_ranges.h"

namespace rfneedle::sim {
namespace {

using device::ResultCode;

}  // namespace

GeneratorFirmware::GeneratorFirmware(const BoardIdentity& identity, GeneratorMemory& memory,
                                     GeneratorHardware hardware, Instant boot, bool rebooted)
    : BoardFirmware(identity, device::BOARD_KIND_GENERATOR, boot, rebooted),
      memory_(memory),
      hw_(hardware) {
  ++memory_.boot_count;
  // Power-on state: output off, relay open.
  hw_.output.set_output_enabled(false);
  hw_.output.set_power_setpoint(Milliwatts(0));
  hw_.output.set_relay_closed(false);
  hw_.lines.rf_active = false;
}

GeneratorFirmware::~GeneratorFirmware() {
  if (pulse_) {
    end_pulse(device::PULSE_END_FAULT, now_);
  }
  hw_.output.set_output_enabled(false);
  hw_.output.set_relay_closed(false);
  hw_.lines.rf_active = false;
}

void GeneratorFirmware::on_rf_off_ordered() {
  if (pulse_) {
    end_pulse(device::PULSE_END_RF_NOT_PERMITTED, now_);  // SR-37: at once, not on the tick
  }
}

void GeneratorFirmware::on_new_session() {
  // A new controller session: nothing of the old one may keep RF on.
  if (pulse_) {
    end_pulse(device::PULSE_END_RF_NOT_PERMITTED, now_);
  }
  measurement_.reset();
}

void GeneratorFirmware::complete_handshake_reply(device::HandshakeReply& reply) const {
  // The output stage's own limit, for the controller's reachability check (SR-11).
  reply.set_max_voltage_mv(wire_unsigned(hw_.output.config().voltage_limit.value(), 400'000));
}

void GeneratorFirmware::execute(const device::GeneratorCommand& command) {
  const std::uint32_t id = command.command_id();
  switch (command.body_case()) {
    case device::GeneratorCommand::kConfigure:
      answer(id, configure(command.configure()));
      return;
    case device::GeneratorCommand::kMeasureImpedance: {
      const ResultCode result = start_measurement(id, command.measure_impedance().duration_ms());
      if (result != device::RESULT_OK) {
        answer(id, result);  // on success the answer follows with the samples
      }
      return;
    }
    case device::GeneratorCommand::kDeliverPulse:
      answer(id, deliver_pulse(command.deliver_pulse()));
      return;
    case device::GeneratorCommand::kAbort:
      (void)link_.gate().on_abort(command.abort().epoch());
      if (pulse_) {
        end_pulse(device::PULSE_END_ABORT, now_);
      }
      answer(id, device::RESULT_OK);
      return;
    case device::GeneratorCommand::kSetRelay:
      answer(id, set_relay(command.set_relay().closed()));
      return;
    case device::GeneratorCommand::kClearLatchedFaults:
      answer(id, clear_latched(command.clear_latched_faults().faults()));
      return;
    case device::GeneratorCommand::kCountersQuery:
      answer_counters(id);
      return;
    case device::GeneratorCommand::kPulseLogQuery:
      answer_pulse_log(id, command.pulse_log_query());
      return;
    default:
      answer(id, device::RESULT_UNSUPPORTED);
      return;
  }
}

ResultCode GeneratorFirmware::configure(const device::ConfigureGenerator& c) {
  if (!within<std::uint32_t>(c.max_power_mw(), 1'000, 50'000) ||
      !within<std::uint32_t>(c.max_pulse_ms(), 10, 1'000) ||
      !within<std::uint32_t>(c.max_energy_uj(), 1'000, 3'038'000) ||
      !within<std::int32_t>(c.max_heatsink_mdegc(), 20'000, 75'000) ||
      !within<std::uint32_t>(c.dead_man_ms(), 20, 50) ||
      !within<std::uint32_t>(c.power_gain_ppm(), 900'000, 1'100'000) ||
      !within<std::uint32_t>(c.voltage_gain_ppm(), 900'000, 1'100'000) ||
      !within<std::uint32_t>(c.current_gain_ppm(), 900'000, 1'100'000) ||
      !within<std::uint32_t>(c.calibration_date_unix_days(), 0, 65'535) ||
      !within<std::uint32_t>(c.calibration_due_unix_days(), 0, 65'535) ||
      !within<std::uint32_t>(c.max_voltage_mv(), 1'000, 400'000)) {
    return device::RESULT_OUT_OF_RANGE;
  }
  if (pulse_) {
    return device::RESULT_BUSY;
  }
  max_power_ = Milliwatts(c.max_power_mw());
  max_pulse_ = milliseconds(c.max_pulse_ms());
  max_energy_ = Microjoules(c.max_energy_uj());
  heatsink_cut_off_ = MilliCelsius(c.max_heatsink_mdegc());
  link_.set_dead_man(milliseconds(c.dead_man_ms()));  // SR-39
  gain_ = Calibration{static_cast<double>(c.power_gain_ppm()) * 1e-6,
                      static_cast<double>(c.voltage_gain_ppm()) * 1e-6,
                      static_cast<double>(c.current_gain_ppm()) * 1e-6};
  configured_ = true;
  return device::RESULT_OK;
}

ResultCode GeneratorFirmware::set_relay(bool closed) {
  if (!closed) {
    if (pulse_) {
      end_pulse(device::PULSE_END_FAULT, now_);
    }
    relay_closed_ = false;
    hw_.output.set_relay_closed(false);
    return device::RESULT_OK;
  }
  if (hw_.lines.estop) {
    return device::RESULT_ESTOP;
  }
  if (latched()) {
    return device::RESULT_LATCHED;  // the relay stays open while a latch holds (SR-23)
  }
  relay_closed_ = true;
  hw_.output.set_relay_closed(true);
  return device::RESULT_OK;
}

bool GeneratorFirmware::latch_cause_present(device::FaultCode fault) const {
  switch (fault) {
    case device::FAULT_ESTOP:
      return hw_.lines.estop;
    case device::FAULT_OVER_TEMPERATURE:
      return hw_.output.heatsink_temperature() >= heatsink_cut_off_;
    default:
      return false;
  }
}

void GeneratorFirmware::counters(device::CountersReply& counters) const {
  counters.set_lifetime_pulses(memory_.lifetime_pulses);
  counters.set_lifetime_energy_mj(memory_.lifetime_energy_uj / 1000);
  fill_counters(memory_.boot_count, counters);
}

void GeneratorFirmware::answer_counters(std::uint32_t command_id) {
  counters(*start_result(message_, command_id, device::RESULT_OK).mutable_counters());
  (void)link_.send(message_, hal::Delivery::kReliable);
}

void GeneratorFirmware::answer_pulse_log(std::uint32_t command_id,
                                         const device::PulseLogQuery& query) {
  if (!within<std::uint32_t>(query.max_entries(), 1, 4) || query.from_pulse_id() > kMaxPulseId) {
    answer(command_id, device::RESULT_OUT_OF_RANGE);
    return;
  }
  device::CommandResult& reply = start_result(message_, command_id, device::RESULT_OK);
  memory_.pulse_log.query(query.from_pulse_id(), query.max_entries(), *reply.mutable_pulse_log());
  (void)link_.send(message_, hal::Delivery::kReliable);
}

GeneratorReading GeneratorFirmware::measured() const {
  // Calibration correction factors from ConfigureGenerator scale what the detectors read.
  const GeneratorReading& raw = hw_.output.reading();
  const auto scaled = [](std::int64_t value, double gain) {
    return static_cast<std::int64_t>(static_cast<double>(value) * gain + 0.5);
  };
  GeneratorReading reading;
  reading.voltage = Millivolts(scaled(raw.voltage.value(), gain_.voltage));
  reading.current = Milliamps(scaled(raw.current.value(), gain_.current));
  reading.power = Milliwatts(scaled(raw.power.value(), gain_.power));
  reading.impedance = Ohms(scaled(raw.impedance.value(), gain_.voltage / gain_.current));
  return reading;
}

void GeneratorFirmware::tick(Instant now, Ohms load) {
  now_ = now;
  if (link_.tick(now) == hal::DeadManEvent::kTripped) {
    trip(device::FAULT_DEAD_MAN, 0, now);  // SR-39
  }
  if (hw_.lines.estop) {
    trip(device::FAULT_ESTOP, 1, now);  // SR-50
  }
  const MilliCelsius heatsink = hw_.output.heatsink_temperature();
  if (heatsink >= heatsink_cut_off_) {
    trip(device::FAULT_OVER_TEMPERATURE, static_cast<std::int32_t>(heatsink.value()), now);
  }
  live_impedance_ohm_ = 0;
  step_pulse(now);
  step_measurement(load);

  const bool rf_measured = measured().power >= kRfDetectThreshold;
  uncommanded_rf_samples_ = (!pulse_ && rf_measured) ? uncommanded_rf_samples_ + 1 : 0;
  if (uncommanded_rf_samples_ >= kUncommandedRfSamples) {
    trip(device::FAULT_RF_UNCOMMANDED, static_cast<std::int32_t>(measured().power.value()), now);
  }
  // RF-active reflects the output as detected, not only as commanded.
  hw_.lines.rf_active = pulse_.has_value() || hw_.output.rf_on();
  link_.session().set_pulse_mode(pulse_.has_value());
  link_.session().tick(now);
  send_telemetry(now);
}

void GeneratorFirmware::trip(device::FaultCode fault, std::int32_t value, Instant now) {
  if (pulse_) {
    device::PulseEnd end = device::PULSE_END_FAULT;
    if (fault == device::FAULT_DEAD_MAN) end = device::PULSE_END_DEAD_MAN;
    if (fault == device::FAULT_AT_DEPTH_LOST) end = device::PULSE_END_AT_DEPTH_LOST;
    if (fault == device::FAULT_ENERGY_CAP) end = device::PULSE_END_ENERGY_CAP;
    if (fault == device::FAULT_PULSE_TIME_CAP) end = device::PULSE_END_TIME_CAP;
    end_pulse(end, now);
  }
  hw_.output.set_output_enabled(false);
  relay_closed_ = false;
  hw_.output.set_relay_closed(false);
  (void)latch(fault, value, now);
}

void GeneratorFirmware::send_telemetry(Instant now) {
  const GeneratorReading reading = measured();
  // Every field is set at every tick: the message is reused, never cleared.
  device::GeneratorTelemetry& t = *telemetry_.mutable_telemetry();
  t.set_sample_counter(sample_counter_++);
  t.set_board_time_us(link_.board_us(now));
  std::uint32_t signals = 0;
  if (hw_.lines.rf_active) signals |= device::GENERATOR_SIGNAL_RF_ACTIVE;
  if (hw_.output.relay_closed()) signals |= device::GENERATOR_SIGNAL_RELAY_CLOSED;
  if (hw_.lines.needles_at_depth) signals |= device::GENERATOR_SIGNAL_AT_DEPTH_LINE;
  if (hw_.lines.estop) signals |= device::GENERATOR_SIGNAL_ESTOP;
  t.set_signals(signals);
  t.set_power_mw(wire_unsigned(reading.power.value(), 60'000));
  t.set_voltage_mv(wire_unsigned(reading.voltage.value(), 400'000));
  t.set_current_ma(wire_unsigned(reading.current.value(), 10'000));
  t.set_impedance_ohm(live_impedance_ohm_);
  t.set_energy_uj(std::min<std::uint32_t>(energy_uj_, 3'038'000));
  t.set_heatsink_mdegc(wire_signed(hw_.output.heatsink_temperature().value(), -40'000, 150'000));
  t.set_latched_faults(latched_.bits());  // SR-44: in every frame
  t.set_pulse_id(last_pulse_id_);
  (void)link_.send(telemetry_, hal::Delivery::kUnreliable);
}

}  // namespace rfneedle::sim
