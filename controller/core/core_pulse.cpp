// The pulse sequence (DESIGN 4): new press → insert and verify → low-level impedance →
// RF pulse timed by the board → RF-active drops → retract and verify → record stored →
// interval.
#include <algorithm>

#include "controller/core/board_latches.h"
#include "controller/core/core.h"
#include "controller/core/treatment_plan.h"

namespace rfneedle::core {

void Core::on_new_press(Instant now) {
  note_activity(now);
  if (state_ != State::kReady) {
    (void)apply(Stimulus::kTriggerPressed, now);
    return;
  }
  if (!interlocks_.new_pulse_allowed()) {
    (void)reject("an interlock holds the next pulse", now);
    return;
  }
  // The cartridge may have changed since the settings were accepted (SR-02, SR-03).
  if (const Response plan = session_.plan_check(config_); !plan.ok()) {
    (void)reject(plan.reason, now);
    return;
  }
  report_cleared(interlocks_.begin_pulse(), now);
  pulse_end_cause_.reset();
  pulse_stopped_ = false;
  skin_peak_ = MilliCelsius{0};
  (void)apply(Stimulus::kTriggerPressed, now);
  command(Insert{session_.parameters()->depth});
  phase_deadline_ = now + config_.needle.insert_deadline;
}

void Core::start_measurement(Instant now) {
  if (!apply(Stimulus::kNeedlesAtDepth, now)) {
    return;
  }
  measured_impedance_ = Ohms{0};
  command(MeasureImpedance{++measurement_sequence_, config_.impedance.measurement_time});
  phase_deadline_ = now + config_.impedance.measurement_deadline;
}

void Core::start_energizing(Instant now) {
  report_cleared(interlocks_.good_measurement(), now);
  // The needles must still be at depth, by a sample at most the energizing gap limit old:
  // a slip or an actuator reboot during the measurement drops the at-depth line, and the
  // pulse command is not sent on a sample from before it (SR-06, SR-40).
  const auto& actuator_at = last_sample_at_[static_cast<std::size_t>(Board::kActuator)];
  if (!actuator_at || now - *actuator_at > config_.link.gap_energizing) {
    set_condition(Condition::kActuatorTelemetryGap, true, now);
  } else if (!actuator_.at_depth_line) {
    trip(Condition::kAtDepthLost, now);
    return;
  }
  // A condition that arose during insertion or measurement holds the RF back too: RF is
  // commanded only with every interlock clear (SR-06).
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    const auto c = static_cast<Condition>(i);
    if (interlocks_.in_effect(c) && spec(c).action >= Action::kBlockNextPulse) {
      end_pulse(c, now);
      return;
    }
  }
  if (!apply(Stimulus::kImpedanceAccepted, now)) {
    return;
  }
  const PulseParameters& p = *session_.parameters();
  const Microjoules plan = p.planned_energy();
  PulseRecord record;
  record.pulse_id = ++last_pulse_id_;
  (void)next_pulse_id_reserved(now);
  record.session_id = session_.id();
  record.started = now;
  record.set = p;
  record.planned_energy = plan;
  record.impedance_measured = measured_impedance_;
  record.outcome = PulseOutcome::kStarted;
  if (!out_.pulses.push_back(record)) {
    overflowed();
  }
  pulse_ = record;
  pulse_monitor_.begin(p.power, plan, record.pulse_id);

  command(Heartbeat{Board::kGenerator, true, epoch_});
  command(Heartbeat{Board::kActuator, true, epoch_});
  last_heartbeat_at_ = now;
  const std::uint64_t expiry_us =
      generator_.board_time_us + static_cast<std::uint64_t>(config_.link.pulse_expiry.count());
  // The board's own energy cap backs up the controller's 110 % check (DESIGN 2.2).
  const Microjoules cap = std::min(plan * config_.power.energy_overrun_percent / 100,
                                   energy_limit(session_.cartridge(), config_.envelope));
  command(DeliverPulse{record.pulse_id, p.power, p.duration, cap, epoch_, expiry_us});
  phase_deadline_ = now + config_.link.pulse_expiry + config_.link.gap_energizing;
  event(EventKind::kPulseStarted, Severity::kActivityHigh, now, "pulse",
        static_cast<std::int64_t>(record.pulse_id));
}

void Core::finish_pulse_record(Instant now, std::optional<Instant> rf_off) {
  record_deferred_.reset();
  if (!pulse_) {
    return;
  }
  PulseRecord& r = *pulse_;
  r.delivered_energy = pulse_monitor_.delivered();
  if (auto on = pulse_monitor_.rf_on_at()) {
    r.rf_time = rf_off.value_or(now) - *on;
  }
  r.impedance_min = pulse_monitor_.impedance_min();
  r.impedance_mean = pulse_monitor_.impedance_mean();
  r.impedance_max = pulse_monitor_.impedance_max();
  r.power_peak = pulse_monitor_.power_peak();
  r.skin_peak = skin_peak_;
  r.heatsink_peak = generator_.heatsink;
  r.cause = pulse_end_cause_;
  if (pulse_stopped_) {
    r.outcome = PulseOutcome::kAborted;
  } else if (!pulse_end_cause_) {
    r.outcome = PulseOutcome::kCompleted;
  } else {
    switch (spec(*pulse_end_cause_).action) {
      case Action::kEndPulse:
        r.outcome = PulseOutcome::kEnded;
        break;
      case Action::kAbortPulse:
        r.outcome = PulseOutcome::kAborted;
        break;
      default:
        r.outcome = PulseOutcome::kFaulted;
        break;
    }
  }
  if (!out_.pulses.push_back(r)) {
    overflowed();
  }
  if (pulse_monitor_.rf_seen()) {
    ++status_.counters.pulses_delivered;
    skin_.on_energy_delivered(r.delivered_energy, now, config_.thermistor);
    session_.consume_pulse();
    command(CartridgeConsume{r.pulse_id, session_.request().today});
  }
  event(EventKind::kPulseEnded, Severity::kActivityHigh, now, "pulse",
        static_cast<std::int64_t>(r.pulse_id), pulse_end_cause_);
  status_.last_pulse = r;
  awaiting_store_ = r.pulse_id;
  last_pulse_end_ = now;
  set_condition(Condition::kRecordNotStored, true, now);
  set_condition(Condition::kInterPulseInterval, true, now);
  update_cartridge_conditions(now);
  pulse_.reset();
}

void Core::finish_deferred_record(const GeneratorSample* sample, Instant now) {
  if (!record_deferred_) {
    return;
  }
  const bool generator_off =
      sample != nullptr && !sample->rf_active && sample->power < config_.power.rf_on_threshold;
  if (generator_off || now >= record_deferred_->until) {
    finish_pulse_record(now, record_deferred_->rf_off);
  }
}

void Core::on_record_stored(std::uint64_t pulse_id, Instant now) {
  if (awaiting_store_ && *awaiting_store_ == pulse_id) {
    awaiting_store_.reset();
    set_condition(Condition::kRecordNotStored, false, now);
  }
}

void Core::allow_pulse_ids_up_to(std::uint64_t up_to, Instant now) {
  reserved_pulse_ids_ = std::max(reserved_pulse_ids_, up_to);
  (void)next_pulse_id_reserved(now);
}

bool Core::next_pulse_id_reserved(Instant now) {
  const bool reserved = last_pulse_id_ < reserved_pulse_ids_;
  set_condition(Condition::kPulseIdNotReserved, !reserved, now);
  return reserved;
}

void Core::on_command_result(const CommandResult& result, Instant now) {
  if (self_test_.running()) {
    self_test_.on_command_result(result);
    run_self_test_steps(now);
  }
  if (calibration_.running()) {
    calibration_.on_command_result(result);
    run_calibration_steps(now);
  }
  const bool ok = result.code == CommandResultCode::kOk;
  if (result.kind == kind_of<Configure> || result.kind == kind_of<ConfigureNeedles>) {
    const bool generator = result.kind == kind_of<Configure>;
    const auto b = static_cast<std::size_t>(generator ? Board::kGenerator : Board::kActuator);
    configures_outstanding_[b] = std::max(0, configures_outstanding_[b] - 1);
    configure_refused_[b] = !ok;
    if (!ok) {
      event(EventKind::kRequestRejected, Severity::kWarningLow, now,
            generator ? "the generator refused its limits" : "the actuator refused its limits",
            static_cast<std::int64_t>(result.code));
    }
    update_setup_conditions(now);
    return;
  }
  if (result.kind == kind_of<CartridgeRead> || result.kind == kind_of<CartridgeBind> ||
      result.kind == kind_of<CartridgeConsume>) {
    on_cartridge_result(result, now);
    return;
  }
  if (state_ == State::kMeasuring && result.kind == kind_of<MeasureImpedance> &&
      result.sequence == measurement_sequence_) {
    on_measurement(result, now);
    return;
  }
  if (state_ == State::kEnergizing && result.kind == kind_of<DeliverPulse> && !ok) {
    trip(Condition::kPulseRefused, now);
    return;
  }
  if (!ok &&
      (result.kind == kind_of<Insert> || result.kind == kind_of<Retract>)&&in_pulse(state_)) {
    // A refused motion leaves the needles where they were; the position deadlines decide.
    event(EventKind::kRequestRejected, Severity::kWarningLow, now, "motion command refused",
          static_cast<std::int64_t>(result.code));
  }
  if (state_ == State::kInserting && result.kind == kind_of<Insert> &&
      result.code == CommandResultCode::kRefusedCartridge) {
    on_insert_refused_for_the_cartridge(now);
  }
}

void Core::on_insert_refused_for_the_cartridge(Instant now) {
  // The actuator refused to insert with this cartridge (expired or spent since it was last
  // read: SR-62): the needles never left. The attempt ends without RF, the cartridge
  // refusal blocks the next pulse (medium) and the memory is read again, so the cause it
  // names (expired, at its limit, missing) is shown, instead of the needle deadline
  // declaring a Fault.
  cartridge_refused_ = true;
  update_setup_conditions(now);
  end_pulse(Condition::kBoardSetupRefused, now);
  command(CartridgeRead{});
}

void Core::on_measurement(const CommandResult& result, Instant now) {
  if (result.code != CommandResultCode::kOk) {
    trip(Condition::kPulseRefused, now);
    return;
  }
  // A measurement that came back without its samples did not run: it has failed (SR-57).
  if (!result.impedance) {
    trip(Condition::kImpedanceOutOfWindow, now);
    return;
  }
  measured_impedance_ = result.impedance->max;
  switch (judge_measurement(*result.impedance, session_.parameters()->power, voltage_limit_,
                            config_.impedance)) {
    case MeasurementVerdict::kAccepted:
      start_energizing(now);
      return;
    case MeasurementVerdict::kOutOfWindow:
      trip(Condition::kImpedanceOutOfWindow, now);
      return;
    case MeasurementVerdict::kUnreachable:
      trip(Condition::kPowerUnreachable, now);
      return;
  }
}

void Core::on_cartridge_result(const CommandResult& result, Instant now) {
  const bool ok = result.code == CommandResultCode::kOk;
  if (ok && result.cartridge) {
    cartridge_ = result.cartridge;
    session_.update_cartridge(*result.cartridge);
  }
  if (result.kind == kind_of<CartridgeBind>) {
    bind_outstanding_ = false;
    // Bound means the memory says so, not the answer code alone.
    cartridge_refused_ =
        !ok || !result.cartridge || result.cartridge->bound_session != session_.id();
  } else if (result.kind == kind_of<CartridgeConsume>) {
    cartridge_refused_ = !ok;
  } else if (ok && result.cartridge && session_.is_open() && !bind_outstanding_ &&
             result.cartridge->bound_session != session_.id()) {
    // Another cartridge was attached during the session: bind it, or refuse to treat with
    // one that belongs to another session.
    if (result.cartridge->bound_session == 0) {
      bind_outstanding_ = true;
      command(CartridgeBind{session_.id(), session_.request().today});
    } else {
      cartridge_refused_ = true;
    }
  }
  if (!ok) {
    event(EventKind::kRequestRejected, Severity::kWarningLow, now,
          "the actuator refused a cartridge command", static_cast<std::int64_t>(result.code));
  }
  update_setup_conditions(now);
  update_cartridge_conditions(now);
}

void Core::on_cartridge_changed(Instant now) {
  cartridge_.reset();
  if (connected_[static_cast<std::size_t>(Board::kActuator)]) {
    command(CartridgeRead{});
  }
  update_cartridge_conditions(now);
}

void Core::configure_generator(Milliwatts max_power, Duration max_pulse_time,
                               Microjoules max_energy, Instant now) {
  Configure limits{max_power, max_pulse_time, max_energy};
  limits.max_heatsink = config_.heatsink.fault;
  limits.dead_man = config_.link.dead_man;
  limits.max_voltage = voltage_limit_;
  if (status_.calibration) {
    limits.power_correction_ppm = status_.calibration->power_correction_ppm;
    limits.calibrated_day = status_.calibration->calibrated_day;
    limits.calibration_due_day = status_.calibration->due_day;
  }
  ++configures_outstanding_[static_cast<std::size_t>(Board::kGenerator)];
  command(limits);
  update_setup_conditions(now);
}

void Core::update_setup_conditions(Instant now) {
  set_condition(
      Condition::kBoardSetupPending,
      configures_outstanding_[0] > 0 || configures_outstanding_[1] > 0 || bind_outstanding_, now);
  set_condition(
      Condition::kBoardSetupRefused,
      configure_refused_[0] || configure_refused_[1] || (session_.is_open() && cartridge_refused_),
      now);
}

void Core::on_board_event(const BoardEvent& e, Instant now) {
  if (e.fault_code == 0) {
    return;
  }
  const std::uint32_t bit = e.fault_code < 32 ? 1u << e.fault_code : 0;
  if ((bit & self_test_.expected_latch(e.board)) != 0) {
    return;
  }
  // The latch is the board's; it holds its condition until telemetry shows it cleared. The
  // event may come before the telemetry that shows it: it raises the condition at once.
  const Condition c = board_latch_condition(e.fault_code);
  event(EventKind::kConditionRaised, Severity::kWarningHigh, now, "board fault latched",
        static_cast<std::int64_t>(e.fault_code), c);
  std::bitset<kConditionCount> held = board_held_;
  held.set(index(c));
  hold_board_latches(held, now);
}

void Core::check_deadlines(Instant now) {
  if (state_ == State::kInserting && now > phase_deadline_) {
    set_condition(Condition::kNotAtDepth, true, now);
  } else if (state_ != State::kInserting) {
    set_condition(Condition::kNotAtDepth, false, now);
  }
  if (state_ == State::kMeasuring && now > phase_deadline_) {
    trip(Condition::kPulseRefused, now);
  }
  if (state_ == State::kEnergizing && !pulse_monitor_.rf_seen() && now > phase_deadline_) {
    trip(Condition::kPulseRefused, now);
  }
  if (!withdrawal_.active()) {
    set_condition(Condition::kNotRetracted, false, now);
  }
  set_condition(Condition::kInterPulseInterval,
                interlocks_.in_effect(Condition::kInterPulseInterval) &&
                    now - last_pulse_end_ < config_.session.inter_pulse_interval,
                now);
  set_condition(
      Condition::kDisplayStale,
      !last_display_heartbeat_ || now - *last_display_heartbeat_ > config_.session.display_stale,
      now);
  if ((state_ == State::kReady || state_ == State::kPaused) &&
      now - last_activity_ >= config_.session.idle_lock) {
    (void)apply(Stimulus::kIdleTimeout, now);
    status_.screen_locked = true;
    event(EventKind::kScreenLocked, Severity::kActivityHigh, now, "idle timeout");
  }
  if (acknowledge_pending_until_) {
    // Completes once the boards report the latches the clear named as cleared.
    // A cause that came back meanwhile holds the latch: the clear lapses.
    const bool done =
        boards_fresh(now) &&
        (reset_pending_ ? board_held_.none() && !latched_cause_detected()
                        : interlocks_.acknowledge_possible() && !withdrawal_.active());
    if (!is_latched(state_) || (!reset_pending_ && state_ != State::kFault)) {
      acknowledge_pending_until_.reset();
    } else if (done) {
      acknowledge_pending_until_.reset();
      if (reset_pending_) {
        complete_service_reset(now);
      } else {
        complete_acknowledge(now);
      }
    } else if (now > *acknowledge_pending_until_) {
      acknowledge_pending_until_.reset();
      (void)reject("clear lapsed: a board still holds its latch", now);
    }
  }
}

}  // namespace rfneedle::core
