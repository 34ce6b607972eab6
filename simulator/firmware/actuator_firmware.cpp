#include "simulator/firmware/actuator_firmware.h"

#include <algorithm>
#include <cstdlib>

#include "simulator/firmware/wire_ranges.h"

namespace rfneedle::sim {
namespace {

using device::ResultCode;

std::int32_t wire_um(Micrometres x) { return wire_signed(x.value(), -2'000, 10'000); }

std::int32_t wire_mdegc(MilliCelsius t) { return wire_signed(t.value(), -40'000, 150'000); }
}  // namespace

ActuatorFirmware::ActuatorFirmware(const BoardIdentity& identity, ActuatorMemory& memory,
                                   ActuatorHardware hardware, Instant boot, bool rebooted)
    : BoardFirmware(identity, device::BOARD_KIND_ACTUATOR, boot, rebooted),
      memory_(memory),
      hw_(hardware),
      last_tick_(boot) {
  ++memory_.boot_count;
  hw_.motor.set_enabled(true);
  hw_.lines.needles_at_depth = false;
  cartridge_present_ = hw_.cartridge.read().has_value();
  cartridge_changes_ = hw_.cartridge.changes();
}

ActuatorFirmware::~ActuatorFirmware() { hw_.lines.needles_at_depth = false; }

void ActuatorFirmware::execute(const device::ActuatorCommand& command) {
  const std::uint32_t id = command.command_id();
  switch (command.body_case()) {
    case device::ActuatorCommand::kConfigure:
      answer(id, configure(command.configure()));
      return;
    case device::ActuatorCommand::kMoveNeedle:
      answer(id, move_needle(command.move_needle()));
      return;
    case device::ActuatorCommand::kClearLatchedFaults:
      answer(id, clear_latched(command.clear_latched_faults().faults()));
      return;
    case device::ActuatorCommand::kCountersQuery:
      answer_counters(id);
      return;
    case device::ActuatorCommand::kCartridgeRead:
    case device::ActuatorCommand::kCartridgeBind:
    case device::ActuatorCommand::kCartridgeConsume:
      answer_cartridge(id, command);
      return;
    case device::ActuatorCommand::kFixtureMeasure:
      answer_fixture(id, command.fixture_measure().load_index());
      return;
    default:
      answer(id, device::RESULT_UNSUPPORTED);
      return;
  }
}

ResultCode ActuatorFirmware::configure(const device::ConfigureActuator& c) {
  if (!within<std::uint32_t>(c.max_depth_um(), 500, 7'000) ||
      !within<std::uint32_t>(c.dead_man_ms(), 20, 50) ||
      !within<std::uint32_t>(c.max_motor_current_ma(), 100, 3'000) ||
      !within<std::uint32_t>(c.at_depth_tolerance_um(), 10, 100)) {
    return device::RESULT_OUT_OF_RANGE;
  }
  max_depth_ = Micrometres(c.max_depth_um());
  tolerance_ = Micrometres(c.at_depth_tolerance_um());
  link_.set_dead_man(milliseconds(c.dead_man_ms()));  // SR-39
  configured_ = true;
  return device::RESULT_OK;
}

ResultCode ActuatorFirmware::move_needle(const device::MoveNeedle& move) {
  if (move.motion() == device::NEEDLE_MOTION_STOP) {
    // The controller's NeedleStuck: motor off where it is, whatever else holds.
    if (move.depth_um() != 0) return device::RESULT_OUT_OF_RANGE;
    insert_target_.reset();
    retract_pending_ = false;
    target_ = hw_.motor.encoder_position();
    hw_.motor.set_enabled(false);
    return device::RESULT_OK;
  }
  if (hw_.lines.estop) {
    return device::RESULT_ESTOP;
  }
  if (hw_.lines.rf_active) {
    return device::RESULT_RF_ACTIVE;  // SR-09
  }
  // Any other move powers the motor again (after a stop).
  hw_.motor.set_enabled(true);
  switch (move.motion()) {
    case device::NEEDLE_MOTION_HOME:
      if (move.depth_um() != 0) return device::RESULT_OUT_OF_RANGE;
      insert_target_.reset();
      target_ = Micrometres(0);
      hw_.motor.home();
      return device::RESULT_OK;
    case device::NEEDLE_MOTION_RETRACT:
      // Retraction is the safe direction: allowed with latches set.
      if (move.depth_um() != 0) return device::RESULT_OUT_OF_RANGE;
      insert_target_.reset();
      target_ = Micrometres(0);
      retract_pending_ = false;
      hw_.motor.move_to(Micrometres(0));
      return device::RESULT_OK;
    case device::NEEDLE_MOTION_INSERT:
      break;
    default:
      return device::RESULT_OUT_OF_RANGE;
  }
  if (latched()) {
    return device::RESULT_LATCHED;
  }
  if (!configured_) {
    return device::RESULT_NOT_CONFIGURED;
  }
  if (!hw_.motor.homed()) {
    return device::RESULT_NOT_HOMED;
  }
  if (const ResultCode ready = cartridge_ready_for_insert(); ready != device::RESULT_OK) {
    return ready;
  }
  const std::optional<CartridgeMemory> cartridge = hw_.cartridge.read();
  const Micrometres depth(move.depth_um());
  if (depth < Micrometres(500) || depth > max_depth_ ||
      (cartridge->max_depth.value() > 0 && depth > cartridge->max_depth)) {
    return device::RESULT_OUT_OF_RANGE;
  }
  insert_target_ = depth;
  target_ = depth;
  hw_.motor.move_to(depth);
  ++memory_.lifetime_insertions;
  return device::RESULT_OK;
}

bool ActuatorFirmware::latch_cause_present(device::FaultCode fault) const {
  switch (fault) {
    case device::FAULT_ESTOP:
      return hw_.lines.estop;
    case device::FAULT_MOTOR_STALL:
      return hw_.motor.stall_detected();
    default:
      return false;
  }
}

void ActuatorFirmware::counters(device::CountersReply& counters) const {
  counters.set_lifetime_pulses(memory_.lifetime_insertions);
  const std::optional<CartridgeMemory> cartridge = hw_.cartridge.read();
  counters.set_cartridge_pulses(cartridge ? std::min<std::uint32_t>(cartridge->pulses_used, 100'000)
                                          : 0);
  fill_counters(memory_.boot_count, counters);
}

void ActuatorFirmware::answer_counters(std::uint32_t command_id) {
  counters(*start_result(message_, command_id, device::RESULT_OK).mutable_counters());
  (void)link_.send(message_, hal::Delivery::kReliable);
}

bool ActuatorFirmware::at_depth() const {
  if (!insert_target_ || latched() || hw_.lines.estop) {
    return false;
  }
  const std::int64_t error = hw_.motor.encoder_position().value() - insert_target_->value();
  return std::abs(error) <= tolerance_.value();
}

void ActuatorFirmware::tick(Instant now) {
  now_ = now;
  const Duration dt = now - last_tick_;
  last_tick_ = now;
  if (link_.tick(now) == hal::DeadManEvent::kTripped) {
    trip(device::FAULT_DEAD_MAN, 0, now, true);  // SR-39
  }
  if (hw_.lines.estop) {
    trip(device::FAULT_ESTOP, 1, now, true);  // SR-50
  }
  if (hw_.motor.stall_detected()) {
    trip(device::FAULT_MOTOR_STALL, static_cast<std::int32_t>(hw_.motor.motor_current().value()),
         now, false);
  }
  const std::int64_t apart =
      std::abs(hw_.motor.encoder_position().value() - hw_.motor.motor_position().value());
  encoder_disagreeing_ =
      apart > kEncoderDisagreement.value() ? encoder_disagreeing_ + dt : Duration::zero();
  if (encoder_disagreeing_ > kEncoderDisagreementFor) {
    trip(device::FAULT_ENCODER, static_cast<std::int32_t>(apart), now, false);
  }
  watch_cartridge(now);
  // SR-09: a retraction the board orders itself waits for RF-active to drop.
  if (retract_pending_ && !hw_.lines.rf_active) {
    retract_pending_ = false;
    target_ = Micrometres(0);
    hw_.motor.move_to(Micrometres(0));
  }
  hw_.lines.needles_at_depth = at_depth();
  link_.session().set_pulse_mode(hw_.lines.rf_active);
  link_.session().tick(now);
  send_telemetry(now);
}

void ActuatorFirmware::trip(device::FaultCode fault, std::int32_t value, Instant now,
                            bool retract) {
  insert_target_.reset();
  hw_.lines.needles_at_depth = false;
  if (latch(fault, value, now) && retract) {
    retract_pending_ = true;
  }
}

void ActuatorFirmware::send_telemetry(Instant now) {
  // Every field is set at every tick: the message is reused, never cleared.
  device::ActuatorTelemetry& t = *telemetry_.mutable_telemetry();
  t.set_sample_counter(sample_counter_++);
  t.set_board_time_us(link_.board_us(now));
  t.set_encoder_position_um(wire_um(hw_.motor.encoder_position()));
  t.set_motor_position_um(wire_um(hw_.motor.motor_position()));
  t.set_target_position_um(wire_unsigned(target_.value(), 7'000));
  t.set_motor_current_ma(wire_unsigned(hw_.motor.motor_current().value(), 5'000));
  std::uint32_t signals = 0;
  if (hw_.motor.homed()) signals |= device::ACTUATOR_SIGNAL_HOMED;
  if (hw_.lines.needles_at_depth) signals |= device::ACTUATOR_SIGNAL_AT_DEPTH_LINE;
  if (hw_.lines.rf_active) signals |= device::ACTUATOR_SIGNAL_RF_ACTIVE_LINE;
  if (hw_.trigger.contact_a(now)) signals |= device::ACTUATOR_SIGNAL_TRIGGER_A;
  if (hw_.trigger.contact_b(now)) signals |= device::ACTUATOR_SIGNAL_TRIGGER_B;
  if (cartridge_present_) signals |= device::ACTUATOR_SIGNAL_CARTRIDGE_PRESENT;
  if (hw_.lines.estop) signals |= device::ACTUATOR_SIGNAL_ESTOP;
  if (hw_.motor.stall_detected()) signals |= device::ACTUATOR_SIGNAL_MOTOR_STALLED;
  t.set_signals(signals);
  t.set_skin_temp_a_mdegc(wire_mdegc(hw_.thermistor_a.reading()));
  t.set_skin_temp_b_mdegc(wire_mdegc(hw_.thermistor_b.reading()));
  t.set_latched_faults(latched_.bits());  // SR-44
  (void)link_.send(telemetry_, hal::Delivery::kUnreliable);
}

}  // namespace rfneedle::sim
