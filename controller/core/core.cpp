#include "controller/core/core.h"

#include <algorithm>

#include "controller/core/transition_table.h"

namespace rfneedle::core {
namespace {

Severity raised_severity(Action action) {
  switch (action) {
    case Action::kServiceLock:
    case Action::kNeedleStuck:
      return Severity::kFatal;
    case Action::kFault:
      return Severity::kWarningHigh;
    case Action::kAbortPulse:
    case Action::kBlockNextPulse:
    case Action::kWarn:
      return Severity::kWarningLow;
    case Action::kEndPulse:
      return Severity::kActivityHigh;
    case Action::kWait:
    case Action::kNone:
      return Severity::kDiagnostic;
  }
  return Severity::kWarningHigh;
}

}  // namespace

Core::Core(const CoreConfig& config, Instant now) : config_(config), last_activity_(now) {
  last_heartbeat_at_ = now;
}

void Core::restore(std::span<const LatchRecord> latches, std::uint64_t last_pulse_id,
                   std::uint64_t last_session_id, Instant now) {
  latches_restored_ = true;
  last_pulse_id_ = std::max(last_pulse_id_, last_pulse_id);
  next_session_id_ = std::max(next_session_id_, last_session_id + 1);
  (void)next_pulse_id_reserved(now);
  for (const LatchRecord& latch : latches) {
    if (!is_latched(latch.state)) {
      continue;
    }
    // The most severe restored latch wins; its cause stays in effect until cleared.
    if (!restored_latch_ || latch.state > *restored_latch_) {
      restored_latch_ = latch.state;
      restored_cause_ = latch.cause;
    }
    (void)interlocks_.set(latch.cause, true, latch.at);
    (void)interlocks_.set(latch.cause, false, latch.at);
  }
  if (self_test_passed_pending_ && state_ == State::kSelfTest) {
    self_test_passed_pending_ = false;
    (void)apply(Stimulus::kSelfTestPassed, now);
  }
  apply_restored_latch(now);
}

bool Core::apply(Stimulus stimulus, Instant now) {
  const Transition t = transition(state_, stimulus);
  if (!t.accepted()) {
    ++status_.counters.rejections;
    // The stimulus refused is named, so the log says what was refused (a trigger press
    // in Standby, say) and not only why.
    event(EventKind::kRequestRejected, Severity::kCommand, now, t.rejection,
          static_cast<std::int64_t>(stimulus), std::nullopt, name(stimulus));
    return false;
  }
  enter(t.next, now);
  return true;
}

void Core::enter(State next, Instant now) {
  const State previous = state_;
  state_ = next;
  if (previous == next) {
    return;
  }
  event(EventKind::kStateChanged, Severity::kActivityHigh, now, name(next),
        static_cast<std::int64_t>(previous));
  if (is_latched(next) || (is_latched(previous) && !is_latched(next))) {
    const Condition cause = restored_cause_.value_or(Condition::kInternalInvariant);
    LatchRecord latch{is_latched(next) ? next : State::kStandby, cause, now};
    for (std::size_t i = kConditionCount; i-- > 0;) {
      const auto c = static_cast<Condition>(i);
      if (interlocks_.in_effect(c) && spec(c).action >= Action::kFault) {
        latch.cause = c;
        break;
      }
    }
    if (!out_.latches.push_back(latch)) {
      overflowed();
    }
  }
  if (next == State::kStandby && previous == State::kSelfTest) {
    power_on_self_test_passed_ = true;
  }
  if (is_latched(next)) {
    // Every way into a latch, a restored one included, takes the whole safe state.
    command_safe_state(next, now);
    apply_restored_latch(now);  // a more severe restored latch still to come wins
    return;
  }
  if (previous == State::kEnergizing && !withdrawal_.active()) {
    // Leaving Energizing always commands RF off, whatever the reason.
    command_rf_off(false, now);
  }
}

void Core::set_condition(Condition condition, bool present, Instant now) {
  detected_[index(condition)] = present;
  apply_condition(condition, now);
}

void Core::hold_board_latches(const std::bitset<kConditionCount>& held, Instant now) {
  const std::bitset<kConditionCount> changed = held ^ board_held_;
  board_held_ = held;
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    if (changed[i]) {
      apply_condition(static_cast<Condition>(i), now);
    }
  }
}

void Core::apply_condition(Condition condition, Instant now) {
  const std::size_t i = index(condition);
  switch (interlocks_.set(condition, detected_[i] || board_held_[i], now)) {
    case Change::kRaised:
      on_raised(condition, now);
      return;
    case Change::kCleared:
      on_cleared(condition, now);
      return;
    case Change::kNone:
      return;
  }
}

void Core::on_raised(Condition condition, Instant now) {
  const ConditionSpec& s = spec(condition);
  event(EventKind::kConditionRaised, raised_severity(s.action), now, s.name, 0, condition);
  switch (s.action) {
    case Action::kNone:
    case Action::kWarn:
    case Action::kWait:
      return;
    case Action::kBlockNextPulse:
      update_block(now);
      return;
    case Action::kEndPulse:
    case Action::kAbortPulse:
      end_pulse(condition, now);
      return;
    case Action::kFault: {
      end_service_runs();
      pulse_end_cause_ = pulse_end_cause_.value_or(condition);
      if (!s.operator_caused) {
        auto& count = status_.counters.faults_this_session[index(condition)];
        ++count;
        if (count >= config_.session.faults_before_service_lock) {
          set_condition(Condition::kRepeatedFault, true, now);
          set_condition(Condition::kRepeatedFault, false, now);
          return;
        }
      }
      latch(Stimulus::kFaultDetected, now);
      return;
    }
    case Action::kNeedleStuck:
      latch(Stimulus::kRetractionFailed, now);
      return;
    case Action::kServiceLock:
      pulse_end_cause_ = pulse_end_cause_.value_or(condition);
      latch(condition == Condition::kHandshakeMismatch ? Stimulus::kHandshakeMismatch
                                                       : Stimulus::kServiceLockCause,
            now);
      return;
  }
}

void Core::end_service_runs() {
  if (self_test_.running()) {
    self_test_.abort();
    finish_service_pulse(PulseOutcome::kAborted, generator_.energy);
  }
  if (calibration_.running()) {
    CalibrationResult interrupted;
    interrupted.load_index = calibration_.load_index();
    interrupted.reason = "the run was interrupted";
    interrupted.generator_energy = generator_.energy;
    calibration_.abort();
    count_calibration_run(interrupted);
    finish_service_pulse(PulseOutcome::kAborted, generator_.energy);
  }
}

void Core::latch(Stimulus stimulus, Instant now) {
  end_service_runs();
  const State before = state_;
  (void)apply(stimulus, now);
  if (state_ == before) {
    // Already latched (or a more severe latch holds): RF off again all the same.
    command_safe_state(state_, now);
  }
}

void Core::command_safe_state(State latched, Instant now) {
  end_service_runs();
  if (latched == State::kNeedleStuck) {
    // RF off, relay open, motor off: no motion command may follow (SR-30).
    out_.commands.remove_if([](const BoardCommand& c) {
      return std::holds_alternative<Insert>(c) || std::holds_alternative<Retract>(c) ||
             std::holds_alternative<Home>(c);
    });
    command_first(HaltMotor{});
    command_rf_off(true, now, false);
    return;
  }
  command_rf_off(true, now);
}

void Core::leave_latch(Stimulus stimulus, Instant now) {
  (void)apply(stimulus, now);
  restored_cause_.reset();
  restored_latch_.reset();
  if (state_ == State::kStandby && !power_on_self_test_passed_ && latches_restored_) {
    (void)apply(Stimulus::kSelfTestRepeat, now);
    self_test_.start(now);
    return;
  }
  // The relay opened with the latch; it closes once the boards hold none (SR-23). RF
  // stuck behind it would flow now: the generator is watched as closely as in a pulse.
  command(RelayClose{});
  relay_watch_until_ = now + config_.power.rf_off_deadline;
}

void Core::trip(Condition condition, Instant now) {
  // End- and abort-pulse causes are events, not states: they act every time they occur,
  // and stay in effect (for the status) until their clear policy removes them.
  if (interlocks_.set(condition, true, now) != Change::kRaised) {
    event(EventKind::kConditionRaised, raised_severity(spec(condition).action), now,
          spec(condition).name, 0, condition);
    end_pulse(condition, now);
  } else {
    on_raised(condition, now);
  }
  (void)interlocks_.set(condition, false, now);
}

void Core::on_cleared(Condition condition, Instant now) {
  event(EventKind::kConditionCleared, Severity::kActivityLow, now, spec(condition).name, 0,
        condition);
  if (spec(condition).action == Action::kBlockNextPulse) {
    update_block(now);
  }
}

void Core::report_cleared(const std::bitset<kConditionCount>& cleared, Instant now) {
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    if (cleared[i]) {
      on_cleared(static_cast<Condition>(i), now);
    }
  }
}

void Core::update_block(Instant now) {
  const bool blocked = interlocks_.any_in_effect_at(Action::kBlockNextPulse);
  if (blocked && state_ == State::kReady) {
    (void)apply(Stimulus::kBlocked, now);
  } else if (!blocked && state_ == State::kPaused) {
    (void)apply(Stimulus::kUnblocked, now);
  }
}

void Core::command_rf_off(bool open_relay, Instant now, bool withdraw) {
  // Anything still queued that would permit or start RF is void now (SR-38).
  out_.commands.remove_if([](const BoardCommand& c) {
    const auto* beat = std::get_if<Heartbeat>(&c);
    return (beat && beat->rf_permitted) || std::holds_alternative<DeliverPulse>(c) ||
           std::holds_alternative<RelayClose>(c);
  });
  // Pushed to the front in reverse, so the queue reads: abort, heartbeats, relay.
  ++epoch_;
  if (open_relay) {
    command_first(RelayOpen{});
  }
  command_first(Heartbeat{Board::kActuator, false, epoch_});
  command_first(Heartbeat{Board::kGenerator, false, epoch_});
  command_first(Abort{epoch_});
  last_heartbeat_at_ = now;
  if (withdraw) {
    withdrawal_.begin(now);
  }
}

void Core::end_pulse(Condition cause, Instant now) {
  if (state_ != State::kInserting && state_ != State::kMeasuring && state_ != State::kEnergizing) {
    return;
  }
  pulse_end_cause_ = pulse_end_cause_.value_or(cause);
  const bool was_energizing = state_ == State::kEnergizing;
  (void)apply(Stimulus::kPulseOver, now);
  if (!was_energizing) {
    command_rf_off(false, now);
  }
}

void Core::command(const BoardCommand& c) {
  // A command the current state may not emit is a broken invariant (SR-07): RF, or the
  // relay closed, in a latched state (SR-51).
  const auto* pulse = std::get_if<DeliverPulse>(&c);
  const auto* beat = std::get_if<Heartbeat>(&c);
  if (((pulse || (beat && beat->rf_permitted)) && !rf_permitted()) ||
      (pulse && pulse->pulse_id == 0) ||
      (std::holds_alternative<RelayClose>(c) && is_latched(state_))) {
    invariant_broken_ = true;
    return;
  }
  if (!out_.commands.push_back(c)) {
    overflowed();
  }
}

void Core::command_first(const BoardCommand& c) {
  if (!out_.commands.push_front(c)) {
    overflowed();
  }
}

void Core::overflowed() {
  // A lost command is a broken invariant (SR-07). RF off must still get out: make room.
  ++status_.counters.output_overflows;
  invariant_broken_ = true;
}

void Core::event(EventKind kind, Severity severity, Instant now, std::string_view text,
                 std::int64_t value, std::optional<Condition> condition, std::string_view detail) {
  CoreEvent e;
  e.at = now;
  e.kind = kind;
  e.severity = severity;
  e.priority = condition ? spec(*condition).priority : AlarmPriority::kNone;
  e.condition = condition;
  e.state = state_;
  e.text = text;
  e.value = value;
  e.detail = detail;
  if (!out_.events.push_back(e)) {
    ++status_.counters.events_dropped;
  }
}

Response Core::reject(std::string_view reason, Instant now) {
  ++status_.counters.rejections;
  event(EventKind::kRequestRejected, Severity::kCommand, now, reason);
  return Response::refused(reason);
}

void Core::command_service_pulse(DeliverPulse pulse, PulseKind kind, Instant now) {
  if (!next_pulse_id_reserved(now)) {
    // Never sent without a durable ID (SR-68): the check that needed it fails by its own
    // deadline, as a check that did not run.
    event(EventKind::kRequestRejected, Severity::kWarningLow, now, "no reserved pulse ID",
          static_cast<std::int64_t>(last_pulse_id_), Condition::kPulseIdNotReserved);
    return;
  }
  pulse.pulse_id = ++last_pulse_id_;
  (void)next_pulse_id_reserved(now);
  PulseRecord record;
  record.pulse_id = pulse.pulse_id;
  record.kind = kind;
  record.started = now;
  record.set.power = pulse.power;
  record.set.duration = pulse.duration;
  record.planned_energy = energy(pulse.power, pulse.duration);
  if (!out_.pulses.push_back(record)) {
    overflowed();
  }
  service_pulse_ = record;
  command(pulse);
}

void Core::finish_service_pulse(PulseOutcome outcome, Microjoules delivered) {
  if (!service_pulse_) {
    return;
  }
  service_pulse_->outcome = outcome;
  // The generator's telemetry reports the energy of its current or last pulse: it counts
  // for this one only if that pulse is this one (a refused request delivered nothing).
  service_pulse_->delivered_energy =
      generator_.pulse_id == service_pulse_->pulse_id ? delivered : Microjoules{0};
  if (!out_.pulses.push_back(*service_pulse_)) {
    overflowed();
  }
  service_pulse_.reset();
}

void Core::settle(Instant now) {
  if (!invariant_broken_) {
    return;
  }
  invariant_broken_ = false;
  // Whatever was queued is suspect; RF off goes out alone, then the lock.
  out_.commands.clear();
  set_condition(Condition::kInternalInvariant, true, now);
  set_condition(Condition::kInternalInvariant, false, now);
}

const Status& Core::snapshot(Instant now) {
  const Status& s = status();
  status_.snapshot_id = next_snapshot_id_++;
  issued_[status_.snapshot_id % issued_.size()] = Issued{status_.snapshot_id, now};
  return s;
}

const Status& Core::status() {
  status_.state = state_;
  status_.action = interlocks_.most_severe();
  status_.priority = interlocks_.highest_priority();
  status_.in_effect = interlocks_.in_effect();
  status_.session_open = session_.is_open();
  status_.session_id = session_.id();
  status_.area = session_.request().area;
  status_.parameters = session_.parameters();
  status_.cartridge = cartridge_;
  status_.epoch = epoch_;
  status_.last_pulse_id = last_pulse_id_;
  status_.self_test = self_test_.summary();
  return status_;
}

std::string_view name(Severity severity) {
  switch (severity) {
    case Severity::kDiagnostic:
      return "diagnostic";
    case Severity::kActivityLow:
      return "activity_low";
    case Severity::kActivityHigh:
      return "activity_high";
    case Severity::kCommand:
      return "command";
    case Severity::kWarningLow:
      return "warning_low";
    case Severity::kWarningHigh:
      return "warning_high";
    case Severity::kFatal:
      return "fatal";
  }
  return "?";
}

}  // namespace rfneedle::core
