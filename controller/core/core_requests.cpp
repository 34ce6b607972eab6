// Operator and service requests: the API and the CLI request, the core decides
// (DESIGN 2.5).
#include <algorithm>

#include "controller/core/board_latches.h"
#include "controller/core/core.h"
#include "controller/core/transition_table.h"
#include "controller/core/treatment_plan.h"

namespace rfneedle::core {

void Core::note_activity(Instant now) { last_activity_ = now; }

Response Core::open_session(const SessionRequest& request, Instant now) {
  note_activity(now);
  if (state_ != State::kStandby) {
    return reject("a session opens only in Standby", now);
  }
  if (session_.is_open()) {
    return reject("a session is already open", now);
  }
  // Needle count, pulses used, limit and expiry come from the cartridge's memory, never
  // from the request (SR-24).
  if (!cartridge_) {
    return reject("no cartridge has been read from the handpiece", now);
  }
  Response r = session_.open(request, *cartridge_, next_session_id_, config_);
  if (!r.ok()) {
    ++status_.counters.rejections;
    event(EventKind::kRequestRejected, Severity::kCommand, now, r.reason);
    return r;
  }
  ++next_session_id_;
  status_.counters.faults_this_session = {};
  status_.screen_locked = false;
  bind_outstanding_ = true;
  cartridge_refused_ = false;
  command(CartridgeBind{session_.id(), request.today});
  update_setup_conditions(now);
  const ScreeningItems& items = config_.screening;
  if (request.screening.any(items, ScreeningKind::kContraindication) &&
      request.screening.clinician_override) {
    event(EventKind::kScreeningOverridden, Severity::kWarningLow, now,
          "screening contraindication overridden by a clinician");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (request.screening.yes[i] && items[i].kind == ScreeningKind::kAdvisory) {
      event(EventKind::kScreeningAdvisory, Severity::kWarningLow, now,
            "screening advisory answered yes", 0, std::nullopt, items[i].id);
    }
  }
  event(EventKind::kRequestAccepted, Severity::kCommand, now, "session opened",
        static_cast<std::int64_t>(session_.id()));
  update_cartridge_conditions(now);
  return r;
}

Response Core::resume_session(const SessionRequest& request, std::uint64_t session_id,
                              Instant now) {
  note_activity(now);
  if (state_ != State::kStandby) {
    return reject("a session resumes only in Standby", now);
  }
  if (session_.is_open()) {
    return reject("a session is already open", now);
  }
  if (session_id == 0 || session_id >= next_session_id_) {
    return reject("no earlier session has this ID", now);
  }
  if (!cartridge_) {
    return reject("no cartridge has been read from the handpiece", now);
  }
  Response r = session_.resume(request, *cartridge_, session_id, config_);
  if (!r.ok()) {
    ++status_.counters.rejections;
    event(EventKind::kRequestRejected, Severity::kCommand, now, r.reason);
    return r;
  }
  status_.counters.faults_this_session = {};
  status_.screen_locked = false;
  // Bound to this session already: the bind confirms it and carries today's date (SR-62).
  bind_outstanding_ = true;
  cartridge_refused_ = false;
  command(CartridgeBind{session_.id(), request.today});
  update_setup_conditions(now);
  event(EventKind::kRequestAccepted, Severity::kCommand, now, "session resumed",
        static_cast<std::int64_t>(session_.id()));
  update_cartridge_conditions(now);
  return r;
}

Response Core::close_session(Instant now) {
  note_activity(now);
  if (state_ != State::kStandby) {
    return reject("disarm before closing the session", now);
  }
  if (!session_.is_open()) {
    return reject("no session is open", now);
  }
  session_.close();
  bind_outstanding_ = false;
  update_setup_conditions(now);
  update_cartridge_conditions(now);
  event(EventKind::kRequestAccepted, Severity::kCommand, now, "session closed");
  return Response::accepted();
}

Response Core::change_area(BodyArea area, Instant now) {
  note_activity(now);
  if (state_ != State::kStandby) {
    return reject("disarm before changing the body area", now);
  }
  Response r = session_.change_area(area, config_);
  if (!r.ok()) {
    ++status_.counters.rejections;
    event(EventKind::kRequestRejected, Severity::kCommand, now, r.reason);
    return r;
  }
  event(EventKind::kRequestAccepted, Severity::kCommand, now, "body area changed",
        static_cast<std::int64_t>(area));
  return r;
}

Response Core::swap_cartridge(Instant now) {
  note_activity(now);
  if (state_ != State::kStandby || !session_.is_open()) {
    return reject("a cartridge is swapped in an open session, disarmed", now);
  }
  on_cartridge_changed(now);
  event(EventKind::kRequestAccepted, Severity::kCommand, now, "cartridge swapped");
  return Response::accepted();
}

Response Core::set_parameters(const PulseParameters& parameters, Instant now) {
  note_activity(now);
  if (state_ != State::kStandby && state_ != State::kReady && state_ != State::kPaused) {
    return {ResponseCode::kBusy, {}, "settings change only between pulses"};
  }
  Response r = session_.set_parameters(parameters, config_);
  if (!r.ok()) {
    ++status_.counters.rejections;
    event(EventKind::kRequestRejected, Severity::kCommand, now, r.reason);
    return r;
  }
  if (!depth_within_preset(parameters.depth, session_.request().area, config_)) {
    event(EventKind::kDepthConfirmed, Severity::kWarningLow, now,
          "depth outside the body area's range confirmed", parameters.depth.value());
  }
  // The generator's own limits follow the plan (DESIGN 2.2: defence in depth), never above
  // its ceiling (the envelope's power_max, at most 50 W): it refuses a higher limit (SR-17).
  const Milliwatts ceiling = std::min(
      parameters.power * (100 + config_.power.deviation_percent) / 100, config_.envelope.power_max);
  configure_generator(ceiling, parameters.duration,
                      parameters.planned_energy() * config_.power.energy_overrun_percent / 100,
                      now);
  event(EventKind::kRequestAccepted, Severity::kCommand, now, "parameters set");
  return r;
}

Response Core::arm(Instant now) {
  note_activity(now);
  if (!transition(state_, Stimulus::kArm).accepted()) {
    (void)apply(Stimulus::kArm, now);
    return Response::refused(transition(state_, Stimulus::kArm).rejection);
  }
  if (interlocks_.in_effect(Condition::kClockBehindRecords)) {
    // Records dated by a clock gone back would be out of order (SR-87).
    return reject(
        "the wall clock is earlier than the latest stored record: a service "
        "engineer must confirm the time",
        now);
  }
  Response r = session_.arm_check(config_);
  if (!r.ok()) {
    return reject(r.reason, now);
  }
  status_.screen_locked = false;
  (void)apply(Stimulus::kArm, now);
  update_block(now);
  return r;
}

Response Core::disarm(Instant now) {
  note_activity(now);
  if (!apply(Stimulus::kDisarm, now)) {
    return Response::refused(transition(state_, Stimulus::kDisarm).rejection);
  }
  return Response::accepted();
}

Response Core::stop(Instant now) {
  note_activity(now);
  const bool pulsing = state_ == State::kInserting || state_ == State::kMeasuring ||
                       state_ == State::kEnergizing || state_ == State::kRetracting;
  if (pulsing) {
    pulse_stopped_ = true;
    disarm_after_pulse_ = true;
  }
  // Before both handshakes no pulse can have been commanded and no board reports: RF off
  // is still sent, but there is nothing to withdraw, and waiting for an RF-active line no
  // board reports would be a false fault.
  if (state_ == State::kConnecting) {
    command_first(Heartbeat{Board::kActuator, false, epoch_});
    command_first(Heartbeat{Board::kGenerator, false, epoch_});
  } else {
    command_rf_off(false, now);
  }
  (void)apply(Stimulus::kStop, now);
  event(EventKind::kRequestAccepted, Severity::kCommand, now, "STOP");
  return Response::accepted();
}

Response Core::acknowledge(Instant now) {
  note_activity(now);
  if (state_ != State::kFault) {
    (void)apply(Stimulus::kAcknowledge, now);
    return Response::refused(transition(state_, Stimulus::kAcknowledge).rejection);
  }
  if (withdrawal_.active()) {
    return reject("the needles are still being withdrawn", now);
  }
  if (!boards_fresh(now)) {
    return reject("no fresh telemetry from both boards: the cause may not be gone", now);
  }
  std::bitset<kConditionCount> allowed;
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    const auto c = static_cast<Condition>(i);
    if (spec(c).clears != ClearPolicy::kAcknowledgeAfterCauseGone) {
      continue;
    }
    // The core's own detector still sees the cause: not yet (a board latch alone is
    // what this acknowledge clears).
    if (detected_[i]) {
      return reject("a fault cause is still present", now);
    }
    allowed.set(i);
  }
  // The boards' latches clear only on an explicit acknowledge, and only the bits a fault's
  // acknowledge may clear (DESIGN 4, SR-55).
  clear_board_latches(allowed);
  if ((board_held_ & allowed).any()) {
    // Completes on the tick once the boards report their latches clear.
    acknowledge_pending_until_ = now + milliseconds(100);
    reset_pending_ = false;
    event(EventKind::kRequestAccepted, Severity::kCommand, now, "acknowledge pending");
    return Response::accepted();
  }
  complete_acknowledge(now);
  return Response::accepted();
}

void Core::clear_board_latches(const std::bitset<kConditionCount>& allowed) {
  const std::uint32_t g = board_latch_bits(generator_.latched_faults, allowed & ~detected_);
  const std::uint32_t a = board_latch_bits(actuator_.latched_faults, allowed & ~detected_);
  if (g != 0) {
    command(ClearLatchedFault{Board::kGenerator, g});
  }
  if (a != 0) {
    command(ClearLatchedFault{Board::kActuator, a});
  }
}

void Core::complete_acknowledge(Instant now) {
  report_cleared(interlocks_.acknowledge(), now);
  leave_latch(Stimulus::kAcknowledge, now);
}

Response Core::enter_service(Instant now) {
  note_activity(now);
  if (!apply(Stimulus::kServiceEnter, now)) {
    return Response::refused(transition(state_, Stimulus::kServiceEnter).rejection);
  }
  // A calibration's runs belong to one visit to Service.
  reset_calibration_runs();
  status_.calibration_progress.last.reset();
  return Response::accepted();
}

Response Core::exit_service(Instant now) {
  note_activity(now);
  if (self_test_.running() || calibration_.running()) {
    return {ResponseCode::kBusy, {}, "a self-test or calibration is running"};
  }
  if (!apply(Stimulus::kServiceExit, now)) {
    return Response::refused(transition(state_, Stimulus::kServiceExit).rejection);
  }
  return Response::accepted();
}

Response Core::service_reset(std::string_view reason, Instant now) {
  note_activity(now);
  if (reason.empty()) {
    return Response::invalid("reason", "a service reset needs a reason");
  }
  if (!transition(state_, Stimulus::kServiceReset).accepted()) {
    (void)apply(Stimulus::kServiceReset, now);
    return Response::refused(transition(state_, Stimulus::kServiceReset).rejection);
  }
  if (latched_cause_detected()) {
    return reject("a latched cause is still present", now);
  }
  // The safe state first (SR-51): RF off, then the needles out (or stuck, which ends
  // the withdrawal), and the pulse's record with it.
  if (withdrawal_.active()) {
    return reject("the needles are still being withdrawn", now);
  }
  if (!boards_fresh(now)) {
    return reject("no fresh telemetry from both boards: the cause may not be gone", now);
  }
  std::bitset<kConditionCount> allowed;
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    if (spec(static_cast<Condition>(i)).action >= Action::kFault) {
      allowed.set(i);
    }
  }
  withdrawal_.reset();
  // A reset clears every latch whose cause is gone, the boards' included (SR-55).
  clear_board_latches(allowed);
  // The reason itself is audited by the daemon, which holds the text.
  event(EventKind::kRequestAccepted, Severity::kCommand, now, "service reset");
  if (board_held_.any()) {
    acknowledge_pending_until_ = now + milliseconds(100);
    reset_pending_ = true;
    return Response::accepted();
  }
  complete_service_reset(now);
  return Response::accepted();
}

bool Core::boards_fresh(Instant now) const {
  // A cause counts as gone only when both boards have just said so (DESIGN 2.4): a board
  // that went quiet cannot show RF stuck behind an open relay.
  for (const auto& at : last_telemetry_at_) {
    if (!at || now - *at > config_.link.gap_energizing) {
      return false;
    }
  }
  return true;
}

bool Core::latched_cause_detected() const {
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    if (detected_[i] && spec(static_cast<Condition>(i)).action >= Action::kFault) {
      return true;
    }
  }
  return false;
}

void Core::complete_service_reset(Instant now) {
  report_cleared(interlocks_.service_reset(), now);
  leave_latch(Stimulus::kServiceReset, now);
}

Response Core::run_self_test(Instant now) {
  note_activity(now);
  if (self_test_.running()) {
    return {ResponseCode::kBusy, {}, "a self-test is running"};
  }
  if (!apply(Stimulus::kRunSelfTest, now)) {
    return Response::refused(transition(state_, Stimulus::kRunSelfTest).rejection);
  }
  self_test_.start(now);
  run_self_test_steps(now);
  return Response::accepted();
}

Response Core::display_heartbeat(std::uint64_t snapshot_id, Instant now) {
  // Display-live only if the echoed snapshot is one we issued recently (SR-78).
  const Issued& issued = issued_[snapshot_id % issued_.size()];
  if (snapshot_id == 0 || issued.id != snapshot_id ||
      now - issued.at > config_.session.display_stale) {
    return Response::invalid("snapshot_id", "not a recent snapshot");
  }
  last_display_heartbeat_ = now;
  set_condition(Condition::kDisplayStale, false, now);
  return Response::accepted();
}

Response Core::unlock_screen(Instant now) {
  note_activity(now);
  status_.screen_locked = false;
  return Response::accepted();
}

Response Core::shutdown(Instant now) {
  command_rf_off(false, now);
  if (!apply(Stimulus::kShutdown, now)) {
    return Response::refused(transition(state_, Stimulus::kShutdown).rejection);
  }
  return Response::accepted();
}

void Core::run_self_test_steps(Instant now) {
  // Each step yields at most one command and one result; a check never needs more
  // than a few steps in a row.
  for (int guard = 0; guard < 2 * kSelfTestCheckCount && self_test_.running(); ++guard) {
    const SelfTest::Step s = self_test_.step(
        SelfTestView{generator_, actuator_, epoch_, sampled_since_handshake(Board::kGenerator),
                     sampled_since_handshake(Board::kActuator)},
        now, config_);
    if (s.command) {
      if (const auto* pulse = std::get_if<DeliverPulse>(&*s.command)) {
        command_service_pulse(*pulse, PulseKind::kSelfTest, now);
      } else {
        command(*s.command);
      }
    }
    if (s.result && s.result->check == SelfTestCheck::kAtDepthBlocksRf) {
      finish_service_pulse(PulseOutcome::kAborted, generator_.energy);
    }
    if (s.result) {
      event(EventKind::kSelfTestCheck,
            s.result->passed ? Severity::kActivityHigh : Severity::kWarningHigh, now,
            name(s.result->check), s.result->passed ? 1 : 0, std::nullopt, s.result->reason);
    }
    if (s.finished) {
      if (!s.passed) {
        set_condition(Condition::kSelfTestFailed, true, now);
        set_condition(Condition::kSelfTestFailed, false, now);
        return;
      }
      if (state_ == State::kSelfTest && !latches_restored_) {
        // Standby waits for the daemon's stored latches (SR-53).
        self_test_passed_pending_ = true;
        return;
      }
      (void)apply(Stimulus::kSelfTestPassed, now);
      apply_restored_latch(now);
      return;
    }
    if (!s.command && !s.result) {
      return;
    }
  }
}

void Core::apply_restored_latch(Instant now) {
  // Entered from Standby after the power-on self-test, or at once over a less severe latch
  // the device is already in (a board's dead-man Fault raised at connect, before the
  // stored latches were handed back or before the self-test ended): the Fault's
  // acknowledge must never clear a restored ServiceLock or NeedleStuck (SR-53).
  if (!restored_latch_ ||
      (state_ != State::kStandby && !(is_latched(state_) && state_ < *restored_latch_))) {
    return;
  }
  switch (*restored_latch_) {
    case State::kFault:
      (void)apply(Stimulus::kFaultDetected, now);
      break;
    case State::kNeedleStuck:
      (void)apply(Stimulus::kRetractionFailed, now);
      break;
    default:
      (void)apply(Stimulus::kServiceLockCause, now);
      break;
  }
}

}  // namespace rfneedle::core
