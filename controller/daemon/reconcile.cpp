#include "controller/daemon/reconcile.h"

#include <algorithm>

namespace rfneedle::daemon {
namespace {

using core::PulseOutcome;

// How the generator ended a pulse, as the record's outcome when the core never wrote one.
PulseOutcome outcome_of(device::PulseEnd end) {
  switch (end) {
    case device::PULSE_END_DURATION:
      return PulseOutcome::kCompleted;
    case device::PULSE_END_ABORT:
    case device::PULSE_END_RF_NOT_PERMITTED:
      return PulseOutcome::kAborted;
    default:
      // The energy cap is the board's backup of the 110 % check; the rest are faults.
      return PulseOutcome::kFaulted;
  }
}

const LoggedPulse* find(std::span<const LoggedPulse> log, std::uint64_t pulse_id) {
  const auto it = std::find_if(log.begin(), log.end(),
                               [&](const LoggedPulse& p) { return p.pulse_id == pulse_id; });
  return it == log.end() ? nullptr : &*it;
}

StoredPulse added_from_log(const LoggedPulse& logged, const ReconcileScope& scope) {
  StoredPulse p;
  core::PulseRecord& r = p.record;
  r.pulse_id = logged.pulse_id;
  // Unknown after a crash: a treatment pulse is the reading that keeps the patient's record
  // complete.
  r.kind = core::PulseKind::kTreatment;
  r.session_id = scope.session_id;
  r.set.power = logged.set_power;
  r.set.duration = logged.delivered_duration;
  r.outcome = outcome_of(logged.end);
  p.started_at = scope.at;
  p.area = scope.area;
  complete_from_log(p, logged);
  return p;
}

}  // namespace

void complete_from_log(StoredPulse& stored, const LoggedPulse& logged) {
  core::PulseRecord& r = stored.record;
  // The generator timed and metered the whole pulse; the core saw it only while the link
  // carried its telemetry.
  r.delivered_energy = logged.delivered_energy;
  r.rf_time = logged.delivered_duration;
  r.impedance_min = logged.impedance_min;
  r.impedance_max = logged.impedance_max;
  r.power_peak = std::max(r.power_peak, logged.mean_power);
  if (r.outcome == PulseOutcome::kStarted || r.outcome == PulseOutcome::kNotDelivered) {
    r.outcome = outcome_of(logged.end);
  }
  stored.reconciled = true;
}

ReconcileResult reconcile(Store& store, std::span<const LoggedPulse> log,
                          const ReconcileScope& scope) {
  ReconcileResult result;
  const auto in_scope = [&](std::uint64_t id) {
    return id >= scope.from_pulse_id && id <= scope.through_pulse_id;
  };
  for (const LoggedPulse& logged : log) {
    if (!in_scope(logged.pulse_id)) {
      continue;
    }
    std::optional<StoredPulse> stored = store.pulse(logged.pulse_id);
    if (stored && stored->reconciled) {
      ++result.already_reconciled;
      continue;
    }
    StoredPulse updated = stored ? *stored : added_from_log(logged, scope);
    if (stored) {
      complete_from_log(updated, logged);
    }
    if (!store.save_pulse(updated)) {
      result.store_failed = true;
      return result;
    }
    (stored ? result.completed : result.added).push_back(logged.pulse_id);
  }
  if (scope.through_pulse_id < scope.from_pulse_id) {
    return result;
  }
  const std::uint64_t span = scope.through_pulse_id - scope.from_pulse_id + 1;
  const auto limit = static_cast<std::uint32_t>(std::min<std::uint64_t>(span, 1024));
  for (StoredPulse& stored : store.pulses_from(scope.from_pulse_id, limit)) {
    const std::uint64_t id = stored.record.pulse_id;
    if (!in_scope(id) || stored.reconciled || find(log, id) != nullptr) {
      continue;
    }
    if (stored.record.delivered_energy > Microjoules{0}) {
      result.contradicted.push_back(id);
      continue;
    }
    stored.record.outcome = PulseOutcome::kNotDelivered;
    stored.record.rf_time = Duration::zero();
    stored.reconciled = true;
    if (!store.save_pulse(stored)) {
      result.store_failed = true;
      return result;
    }
    result.not_delivered.push_back(id);
  }
  return result;
}

ReconcileScope scope_of(const PulseLogRead& read) {
  ReconcileScope scope;
  scope.from_pulse_id = read.from_pulse_id;
  scope.through_pulse_id = read.through_pulse_id;
  if (read.truncated && read.count > 0) {
    scope.through_pulse_id = std::min(read.through_pulse_id, read.entries[read.count - 1].pulse_id);
  }
  return scope;
}

InterruptedSessions close_interrupted_sessions(Store& store, WallMs at, std::uint32_t limit) {
  InterruptedSessions result;
  std::vector<SessionRecord> newest_first = store.sessions(limit);
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    if (it->outcome != "open") {
      continue;
    }
    if (!store.close_session(it->id, at, kInterruptedOutcome)) {
      result.store_failed = true;
      return result;
    }
    result.closed.push_back(it->id);
  }
  return result;
}

std::uint64_t reconcile_from(Store& store) {
  const std::uint64_t past_last = store.last_stored_pulse_id() + 1;
  return std::min(store.first_started_pulse_id().value_or(past_last), past_last);
}

}  // namespace rfneedle::daemon
