#include "controller/bridge/wire_mapping.h"

#include <algorithm>
#include <limits>

namespace rfneedle::bridge {
namespace {

using core::CommandResultCode;

// Latched-fault masks: FaultCode bits 1..31 (bit 0 is never set).
constexpr std::uint32_t kFaultBits = 0xFFFF'FFFEu;
constexpr std::uint64_t kMaxBoardTimeUs = (std::uint64_t{1} << 49) - 1;
constexpr std::uint64_t kMaxPulseId = (std::uint64_t{1} << 35) - 1;

constexpr bool bit(std::uint32_t signals, std::uint32_t mask) { return (signals & mask) != 0; }

std::int32_t clamp_to_int(std::uint32_t v) {
  return static_cast<std::int32_t>(
      std::min<std::uint32_t>(v, std::numeric_limits<std::int32_t>::max()));
}

}  // namespace

core::GeneratorSample to_sample(const device::GeneratorTelemetry& t) {
  core::GeneratorSample s;
  s.sample_counter = t.sample_counter();
  s.board_time_us = t.board_time_us();
  const std::uint32_t signals = t.signals();
  s.rf_active = bit(signals, device::GENERATOR_SIGNAL_RF_ACTIVE);
  s.relay_closed = bit(signals, device::GENERATOR_SIGNAL_RELAY_CLOSED);
  s.at_depth_line = bit(signals, device::GENERATOR_SIGNAL_AT_DEPTH_LINE);
  s.estop = bit(signals, device::GENERATOR_SIGNAL_ESTOP);
  // Values are passed on as read (the core checks their ranges too), saturated so no
  // wire value wraps into a plausible one.
  s.power = Milliwatts{clamp_to_int(t.power_mw())};
  s.voltage = Millivolts{clamp_to_int(t.voltage_mv())};
  s.current = Milliamps{clamp_to_int(t.current_ma())};
  s.impedance = Ohms{clamp_to_int(t.impedance_ohm())};
  s.energy = Microjoules{clamp_to_int(t.energy_uj())};
  s.heatsink = MilliCelsius{t.heatsink_mdegc()};
  s.latched_faults = t.latched_faults();
  s.pulse_id = t.pulse_id();
  s.wire_in_range = signals <= 15 && (t.latched_faults() & ~kFaultBits) == 0 &&
                    t.board_time_us() <= kMaxBoardTimeUs && t.pulse_id() <= kMaxPulseId &&
                    t.power_mw() <= 60'000 && t.voltage_mv() <= 400'000 &&
                    t.current_ma() <= 10'000 && t.impedance_ohm() <= 65'535 &&
                    t.energy_uj() <= 3'038'000 && t.heatsink_mdegc() >= -40'000 &&
                    t.heatsink_mdegc() <= 150'000;
  return s;
}

core::ActuatorSample to_sample(const device::ActuatorTelemetry& t) {
  core::ActuatorSample s;
  s.sample_counter = t.sample_counter();
  s.board_time_us = t.board_time_us();
  s.encoder_position = Micrometres{t.encoder_position_um()};
  s.motor_position = Micrometres{t.motor_position_um()};
  s.target_position = Micrometres{clamp_to_int(t.target_position_um())};
  s.motor_current = Milliamps{clamp_to_int(t.motor_current_ma())};
  const std::uint32_t signals = t.signals();
  s.homed = bit(signals, device::ACTUATOR_SIGNAL_HOMED);
  s.at_depth_line = bit(signals, device::ACTUATOR_SIGNAL_AT_DEPTH_LINE);
  s.rf_active_line = bit(signals, device::ACTUATOR_SIGNAL_RF_ACTIVE_LINE);
  s.trigger_a = bit(signals, device::ACTUATOR_SIGNAL_TRIGGER_A);
  s.trigger_b = bit(signals, device::ACTUATOR_SIGNAL_TRIGGER_B);
  s.cartridge_present = bit(signals, device::ACTUATOR_SIGNAL_CARTRIDGE_PRESENT);
  s.estop = bit(signals, device::ACTUATOR_SIGNAL_ESTOP);
  s.motor_stalled = bit(signals, device::ACTUATOR_SIGNAL_MOTOR_STALLED);
  s.skin_temp_a = MilliCelsius{t.skin_temp_a_mdegc()};
  s.skin_temp_b = MilliCelsius{t.skin_temp_b_mdegc()};
  s.latched_faults = t.latched_faults();
  const auto temp_ok = [](std::int32_t v) { return v >= -40'000 && v <= 150'000; };
  const auto position_ok = [](std::int32_t v) { return v >= -2'000 && v <= 10'000; };
  s.wire_in_range = signals <= 255 && (t.latched_faults() & ~kFaultBits) == 0 &&
                    t.board_time_us() <= kMaxBoardTimeUs && position_ok(t.encoder_position_um()) &&
                    position_ok(t.motor_position_um()) && t.target_position_um() <= 7'000 &&
                    t.motor_current_ma() <= 5'000 && temp_ok(t.skin_temp_a_mdegc()) &&
                    temp_ok(t.skin_temp_b_mdegc());
  return s;
}

CommandResultCode to_code(device::ResultCode code) {
  switch (code) {
    case device::RESULT_OK:
      return CommandResultCode::kOk;
    case device::RESULT_OLD_EPOCH:
      return CommandResultCode::kRefusedEpoch;
    case device::RESULT_EXPIRED:
      return CommandResultCode::kRefusedExpired;
    case device::RESULT_RF_NOT_PERMITTED:
      return CommandResultCode::kRefusedNotPermitted;
    case device::RESULT_NOT_AT_DEPTH:
      return CommandResultCode::kRefusedNotAtDepth;
    case device::RESULT_OUT_OF_RANGE:
    case device::RESULT_DUPLICATE_PULSE_ID:
    case device::RESULT_RELAY_OPEN:
      return CommandResultCode::kRefusedLimit;
    case device::RESULT_BUSY:
    case device::RESULT_RF_ACTIVE:
      return CommandResultCode::kRefusedBusy;
    case device::RESULT_NO_CARTRIDGE:
    case device::RESULT_CARTRIDGE_EXPIRED:
    case device::RESULT_CARTRIDGE_AT_LIMIT:
    case device::RESULT_CARTRIDGE_BOUND:
    case device::RESULT_NOT_A_FIXTURE:
      return CommandResultCode::kRefusedCartridge;
    default:
      // Unspecified, out of order, latched, unsupported, not homed, not configured,
      // handshake required, E-stop, or a code this build does not know: not done.
      return CommandResultCode::kFailed;
  }
}

std::optional<core::ImpedanceReading> to_reading(const device::ImpedanceMeasurement& m) {
  if (m.impedance_ohm() > 65'535 || m.impedance_min_ohm() > 65'535 ||
      m.impedance_max_ohm() > 65'535 || m.sample_count() > 20 ||
      m.impedance_min_ohm() > m.impedance_max_ohm()) {
    return std::nullopt;
  }
  return core::ImpedanceReading{Ohms{clamp_to_int(m.impedance_ohm())},
                                Ohms{clamp_to_int(m.impedance_min_ohm())},
                                Ohms{clamp_to_int(m.impedance_max_ohm())}, m.sample_count()};
}

std::optional<core::CartridgeInfo> to_cartridge(const device::CartridgeInfo& c) {
  core::CartridgeInfo info;
  if (c.calibration_fixture() || c.type_id() == "fixture") {
    info.kind = core::CartridgeKind::kCalibrationFixture;
  } else if (c.type_id() == "face") {
    info.kind = core::CartridgeKind::kFace;
  } else if (c.type_id() == "body") {
    info.kind = core::CartridgeKind::kBody;
  } else {
    return std::nullopt;
  }
  if (c.needle_count() > 49 || c.max_depth_um() > 7'000 || c.pulse_limit() > 100'000 ||
      c.pulses_used() > 100'000 || c.expiry_unix_days() > 65'535 ||
      c.meter_due_unix_days() > 65'535 ||
      c.serial_number().size() > core::CartridgeSerial::kMaxSize) {
    return std::nullopt;
  }
  info.needle_count = c.needle_count();
  info.max_depth = Micrometres{clamp_to_int(c.max_depth_um())};
  info.pulse_limit = c.pulse_limit();
  info.pulses_used = c.pulses_used();
  info.expiry_day = clamp_to_int(c.expiry_unix_days());
  info.bound_session = c.bound_session_id();
  info.serial = core::CartridgeSerial(c.serial_number());
  info.meter_due_day = clamp_to_int(c.meter_due_unix_days());
  return info;
}

core::HandshakeOutcome to_outcome(const device::HandshakeReply& reply,
                                  hal::HandshakeMismatch mismatch) {
  core::HandshakeOutcome outcome;
  outcome.mismatch = mismatch;
  outcome.simulated = reply.simulated();
  outcome.latched_faults = reply.latched_faults() & kFaultBits;
  // A limit outside 1 000..400 000 mV is as good as missing (SR-57).
  const std::uint32_t mv = reply.max_voltage_mv();
  outcome.voltage_limit =
      Millivolts{mv >= 1'000 && mv <= 400'000 ? static_cast<std::int64_t>(mv) : 0};
  return outcome;
}

std::uint32_t fault_code_of(const device::BoardEvent& event) {
  if (event.kind() != device::BOARD_EVENT_FAULT_LATCHED) {
    return 0;
  }
  const auto code = static_cast<std::uint32_t>(event.fault());
  return code >= 1 && code <= 31 ? code : 0;
}

device::ConfigureGenerator to_wire(const core::Configure& c) {
  device::ConfigureGenerator w;
  w.set_max_power_mw(static_cast<std::uint32_t>(c.max_power.value()));
  w.set_max_pulse_ms(static_cast<std::uint32_t>(
      std::chrono::duration_cast<milliseconds>(c.max_pulse_time).count()));
  w.set_max_energy_uj(static_cast<std::uint32_t>(c.max_energy.value()));
  w.set_max_heatsink_mdegc(static_cast<std::int32_t>(c.max_heatsink.value()));
  w.set_dead_man_ms(
      static_cast<std::uint32_t>(std::chrono::duration_cast<milliseconds>(c.dead_man).count()));
  w.set_power_gain_ppm(static_cast<std::uint32_t>(c.power_correction_ppm));
  // Calibration corrects power only: the fixture's reference meter measures power.
  w.set_voltage_gain_ppm(1'000'000);
  w.set_current_gain_ppm(1'000'000);
  w.set_calibration_date_unix_days(static_cast<std::uint32_t>(std::max(c.calibrated_day, 0)));
  w.set_calibration_due_unix_days(static_cast<std::uint32_t>(std::max(c.calibration_due_day, 0)));
  w.set_max_voltage_mv(static_cast<std::uint32_t>(c.max_voltage.value()));
  return w;
}

device::ConfigureActuator to_wire(const core::ConfigureNeedles& c) {
  device::ConfigureActuator w;
  w.set_max_depth_um(static_cast<std::uint32_t>(c.max_depth.value()));
  w.set_dead_man_ms(
      static_cast<std::uint32_t>(std::chrono::duration_cast<milliseconds>(c.dead_man).count()));
  w.set_max_motor_current_ma(static_cast<std::uint32_t>(c.max_motor_current.value()));
  w.set_at_depth_tolerance_um(static_cast<std::uint32_t>(c.at_depth_tolerance.value()));
  return w;
}

}  // namespace rfneedle::bridge
