// The core's board side: telemetry as it arrives, and on the tick what did not arrive
// (DESIGN 2.4: a check that did not run has failed).
#include <algorithm>
#include <cstdlib>

#include "controller/core/board_latches.h"
#include "controller/core/core.h"

namespace rfneedle::core {
namespace {

constexpr std::size_t slot(Board board) { return static_cast<std::size_t>(board); }

// The documented ranges of proto/device.proto's telemetry: a value outside them means the
// measurement cannot be trusted, and a check that cannot be trusted has failed (SR-57).
template <typename Q>
bool within(Q value, std::int64_t lo, std::int64_t hi) {
  return value.value() >= lo && value.value() <= hi;
}

bool plausible(const GeneratorSample& s) {
  return s.wire_in_range && within(s.power, 0, 60'000) && within(s.voltage, 0, 400'000) &&
         within(s.current, 0, 10'000) && within(s.impedance, 0, 65'535) &&
         within(s.energy, 0, 3'038'000) && within(s.heatsink, -40'000, 150'000);
}

bool plausible(const ActuatorSample& s) {
  return s.wire_in_range && within(s.encoder_position, -2'000, 10'000) &&
         within(s.motor_position, -2'000, 10'000) && within(s.target_position, 0, 7'000) &&
         within(s.motor_current, 0, 5'000);
}

// Samples missing between two counters; the counter wraps at 2^32. A step back (a
// duplicate, or a rebooted board) misses nothing here.
std::uint32_t missed_between(std::uint32_t last, std::uint32_t next) {
  const std::uint32_t step = next - last;
  return step > 1 && step < 0x8000'0000u ? step - 1 : 0;
}

Micrometres distance(Micrometres a, Micrometres b) { return a > b ? a - b : b - a; }

}  // namespace

void Core::on_handshake(Board board, const HandshakeOutcome& outcome, Instant now) {
  // A generator that does not say its voltage limit cannot be planned for (SR-57).
  const bool limit_missing =
      board == Board::kGenerator && outcome.matched() && outcome.voltage_limit <= Millivolts{0};
  if (!outcome.matched() || limit_missing) {
    connected_[slot(board)] = false;
    event(EventKind::kConditionRaised, Severity::kFatal, now,
          limit_missing ? "handshake without the generator's voltage limit" : "handshake mismatch",
          static_cast<std::int64_t>(outcome.mismatch), Condition::kHandshakeMismatch);
    set_condition(Condition::kHandshakeMismatch, true, now);
    set_condition(Condition::kHandshakeMismatch, false, now);
    return;
  }
  connected_[slot(board)] = true;
  configures_outstanding_[slot(board)] = 0;
  last_sample_at_[slot(board)] = now;
  last_counter_[slot(board)].reset();
  if (board == Board::kGenerator) {
    voltage_limit_ = std::min(config_.power.generator_voltage_limit, outcome.voltage_limit);
    const Envelope& e = config_.envelope;
    configure_generator(e.power_max, e.time_max, e.energy_per_needle * 49, now);
  } else {
    bind_outstanding_ = false;
    const Envelope& e = config_.envelope;
    ++configures_outstanding_[slot(board)];
    command(ConfigureNeedles{e.body_depth_max, config_.link.dead_man,
                             config_.needle.max_motor_current, config_.needle.position_tolerance});
    update_setup_conditions(now);
    command(CartridgeRead{});
  }
  if (!connected_[0] || !connected_[1]) {
    return;
  }
  set_condition(Condition::kLinkFault, false, now);
  if (state_ == State::kConnecting && apply(Stimulus::kHandshakesMatched, now)) {
    self_test_.start(now);
  }
}

void Core::on_link_fault(Board board, Instant now) {
  connected_[slot(board)] = false;
  // Before both handshakes no board is in use and RF is never permitted: a silent line is
  // a board not connected yet, and the shell retries (issue 9). After them it is the
  // latched link fault (SR-33, SR-39).
  if (state_ == State::kConnecting) {
    return;
  }
  set_condition(Condition::kLinkFault, true, now);
}

void Core::on_generator_sample(const GeneratorSample& s, Instant now) {
  count_sample(Board::kGenerator, s.sample_counter, Condition::kGeneratorTelemetryGap,
               status_.counters.generator_samples, status_.counters.generator_samples_missed, now);
  generator_ = s;
  have_generator_ = true;
  withdrawal_.on_generator(s, config_.power.rf_on_threshold);
  evaluate_generator(s, now);
  after_sample(now);
}

void Core::on_actuator_sample(const ActuatorSample& s, Instant now) {
  count_sample(Board::kActuator, s.sample_counter, Condition::kActuatorTelemetryGap,
               status_.counters.actuator_samples, status_.counters.actuator_samples_missed, now);
  actuator_ = s;
  have_actuator_ = true;
  withdrawal_.on_actuator(s, config_.needle.position_tolerance);
  evaluate_actuator(s, now);
  after_sample(now);
}

void Core::count_sample(Board board, std::uint32_t sample_counter, Condition gap,
                        std::uint64_t& received, std::uint64_t& missed, Instant now) {
  auto& last = last_counter_[slot(board)];
  if (last) {
    check_missed(gap, missed_between(*last, sample_counter), missed, now);
  }
  last = sample_counter;
  ++received;
  last_sample_at_[slot(board)] = now;
  last_telemetry_at_[slot(board)] = now;
}

void Core::after_sample(Instant now) {
  handle_withdrawal(now);
  if (self_test_.running()) {
    run_self_test_steps(now);
  }
  if (calibration_.running()) {
    run_calibration_steps(now);
  }
  settle(now);
}

void Core::evaluate_board_lines(Instant now) {
  set_condition(Condition::kEStop, generator_.estop || actuator_.estop, now);
  // Each board latch holds its own condition (board_latches.h) until the board clears it.
  const std::uint32_t latched =
      (generator_.latched_faults & ~self_test_.expected_latch(Board::kGenerator)) |
      (actuator_.latched_faults & ~self_test_.expected_latch(Board::kActuator));
  hold_board_latches(board_latch_conditions(latched), now);
}

void Core::evaluate_generator(const GeneratorSample& s, Instant now) {
  generator_plausible_ = plausible(s);
  set_condition(Condition::kTelemetryImplausible, !generator_plausible_ || !actuator_plausible_,
                now);
  const HeatsinkLimits& h = config_.heatsink;
  heatsink_warm_ = s.heatsink >= (heatsink_warm_ ? h.warn - kWarnHysteresis : h.warn);
  set_condition(Condition::kHeatsinkWarm, heatsink_warm_, now);
  set_condition(Condition::kHeatsinkOverheat, s.heatsink >= h.fault, now);
  evaluate_board_lines(now);

  const bool rf_on = s.rf_active || s.power >= config_.power.rf_on_threshold;
  if (state_ != State::kEnergizing && !withdrawal_.awaiting_rf_drop() &&
      !calibration_.rf_commanded()) {
    set_condition(Condition::kRfUncommanded,
                  rf_uncommanded_.update(rf_on, config_.power.rf_uncommanded_samples), now);
  } else {
    rf_uncommanded_.reset();
  }

  if (state_ != State::kEnergizing) {
    if (pulse_) {
      pulse_monitor_.account(s);  // until the record is made, at RF-active low
      finish_deferred_record(&s, now);
    }
    set_condition(Condition::kShortCircuit, false, now);
    set_condition(Condition::kPowerDeviation, false, now);
    set_condition(Condition::kEnergyOverrun, false, now);
    return;
  }
  const PulseMonitor::Verdict v =
      pulse_monitor_.update(s, rf_on, now, config_.impedance, config_.power);
  set_condition(Condition::kShortCircuit, v.short_circuit, now);
  set_condition(Condition::kPowerDeviation, v.power_deviation, now);
  set_condition(Condition::kEnergyOverrun, v.energy_overrun, now);
  if (state_ != State::kEnergizing) {
    return;
  }
  if (v.contact_lost) {
    trip(Condition::kContactLost, now);
    return;
  }
  if (v.desiccation) {
    trip(Condition::kDesiccation, now);
    return;
  }
  if (pulse_monitor_.rf_seen() && !rf_on) {
    // The board's timer ended the pulse.
    (void)apply(Stimulus::kPulseOver, now);
  }
}

void Core::evaluate_actuator(const ActuatorSample& s, Instant now) {
  actuator_plausible_ = plausible(s);
  set_condition(Condition::kTelemetryImplausible, !generator_plausible_ || !actuator_plausible_,
                now);
  evaluate_board_lines(now);
  const TriggerMonitor::Reading trigger =
      trigger_.update(s.trigger_a, s.trigger_b, now, config_.trigger.contact_skew);
  set_condition(Condition::kTriggerDisagree, trigger.disagree_fault, now);

  const SkinTemperature::Reading skin =
      skin_.update(s.skin_temp_a, s.skin_temp_b, now, config_.skin, config_.thermistor);
  set_condition(Condition::kThermistorOutOfRange, skin.out_of_range, now);
  set_condition(Condition::kThermistorRate, skin.rate, now);
  set_condition(Condition::kThermistorDisagree, skin.disagree, now);
  set_condition(Condition::kThermistorStuck, skin.stuck, now);
  set_condition(Condition::kSkinOverheat, skin.overheat, now);
  set_condition(Condition::kSkinHot, skin.hot, now);
  set_condition(Condition::kSkinWarm, skin.warm, now);
  skin_peak_ = std::max(skin_peak_, skin.hottest);

  const bool mismatch =
      distance(s.encoder_position, s.motor_position) > config_.needle.encoder_motor_disagreement;
  set_condition(Condition::kEncoderMismatch,
                encoder_mismatch_.update(mismatch, now, config_.needle.disagreement_time), now);
  set_condition(Condition::kMotorStall, s.motor_stalled, now);
  update_cartridge_conditions(now);

  const bool pulsing =
      state_ == State::kInserting || state_ == State::kMeasuring || state_ == State::kEnergizing;
  if (pulsing && skin.hottest >= config_.skin.block) {
    trip(Condition::kSkinHotDuringPulse, now);
  } else if (pulsing && !trigger.held) {
    trip(Condition::kTriggerReleased, now);
  }
  if (trigger.new_press) {
    on_new_press(now);
  }
  if (state_ == State::kInserting && s.at_depth_line &&
      distance(s.encoder_position, session_.parameters()->depth) <=
          config_.needle.position_tolerance) {
    start_measurement(now);
  }
}

void Core::update_cartridge_conditions(Instant now) {
  const bool open = session_.is_open();
  set_condition(Condition::kCartridgeMissing, open && !actuator_.cartridge_present, now);
  set_condition(Condition::kCartridgeExpired, session_.cartridge_expired(), now);
  set_condition(Condition::kCartridgeAtLimit, session_.cartridge_at_limit(), now);
  set_condition(Condition::kCartridgeNearLimit,
                session_.cartridge_near_limit(config_.session.cartridge_near_limit_percent), now);
}

bool Core::generator_silent(Instant now) const {
  const auto& at = last_sample_at_[slot(Board::kGenerator)];
  return !at || now - *at > config_.link.gap_energizing;
}

bool Core::needles_retracted() const { return withdrawal_.retracted(); }

void Core::handle_withdrawal(Instant now) {
  for (;;) {
    switch (withdrawal_.step(now, generator_silent(now), config_.power, config_.needle)) {
      case Withdrawal::Step::kNone:
        return;
      case Withdrawal::Step::kRfDropped:
        set_condition(Condition::kRfStillActive, false, now);
        if (pulse_ && generator_silent(now)) {
          // Only the actuator's line says RF is off: the generator's own count of this
          // pulse's energy comes with its next sample. The next pulse waits for the record.
          record_deferred_ = DeferredRecord{now, now + config_.link.dead_man};
          set_condition(Condition::kRecordNotStored, true, now);
        } else {
          finish_pulse_record(now);
        }
        if (!needles_retracted()) {
          command(Retract{});
        }
        break;
      case Withdrawal::Step::kRfStillActive:
        set_condition(Condition::kRfStillActive, true, now);
        break;
      case Withdrawal::Step::kRetryRetract:
        set_condition(Condition::kNotRetracted, true, now);
        command(Retract{});
        break;
      case Withdrawal::Step::kStuck:
        set_condition(Condition::kRetractionFailed, true, now);
        set_condition(Condition::kRetractionFailed, false, now);
        break;
      case Withdrawal::Step::kRetracted:
        set_condition(Condition::kNotRetracted, false, now);
        if (state_ == State::kRetracting) {
          (void)apply(Stimulus::kNeedlesRetracted, now);
          if (disarm_after_pulse_) {
            disarm_after_pulse_ = false;
            (void)apply(Stimulus::kDisarm, now);
          }
          update_block(now);
        }
        break;
    }
  }
}

Duration Core::gap_limit(Instant now) const {
  // Wherever RF may be on, a 2 ms gap is a fault (SR-40): in a pulse, while RF is being
  // turned off, for a calibration pulse, and just after the relay closed again.
  const bool tight = state_ == State::kEnergizing || withdrawal_.awaiting_rf_drop() ||
                     calibration_.rf_commanded() ||
                     (relay_watch_until_ && now <= *relay_watch_until_);
  return tight ? config_.link.gap_energizing : config_.link.gap_otherwise;
}

void Core::check_missed(Condition gap, std::uint32_t missed, std::uint64_t& counter, Instant now) {
  counter += missed;
  // Samples come every millisecond: the span of the missing ones is a gap too (SR-40).
  if (milliseconds(missed) > gap_limit(now)) {
    set_condition(gap, true, now);
  }
}

void Core::check_gaps(Instant now) {
  const Duration limit = gap_limit(now);
  const Condition gaps[2] = {Condition::kGeneratorTelemetryGap, Condition::kActuatorTelemetryGap};
  for (std::size_t b = 0; b < 2; ++b) {
    const bool gap = connected_[b] && last_sample_at_[b] && now - *last_sample_at_[b] > limit;
    set_condition(gaps[b], gap, now);
  }
}

void Core::send_heartbeats(Instant now) {
  if (now - last_heartbeat_at_ < config_.link.heartbeat_period) {
    return;
  }
  last_heartbeat_at_ = now;
  for (Board b : {Board::kGenerator, Board::kActuator}) {
    if (connected_[slot(b)] && !self_test_.heartbeats_paused(b)) {
      command(Heartbeat{b, rf_permitted(), epoch_});
    }
  }
}

void Core::tick(Instant now) {
  send_heartbeats(now);
  check_gaps(now);
  check_deadlines(now);
  finish_deferred_record(nullptr, now);
  handle_withdrawal(now);
  if (self_test_.running()) {
    run_self_test_steps(now);
  }
  if (calibration_.running()) {
    run_calibration_steps(now);
  }
  settle(now);
}

}  // namespace rfneedle::core
