#include "controller/daemon/memory_store.h"

#include <algorithm>
#include <map>

#include "controller/daemon/audit_chain.h"

namespace rfneedle::daemon {

bool MemoryStore::append_event(StoredEvent& event) {
  event.id = events_.size() + 1;
  events_.push_back(event);
  return true;
}

std::vector<StoredEvent> MemoryStore::events(const EventQuery& query) {
  std::vector<StoredEvent> found;
  for (const StoredEvent& e : events_) {
    if (found.size() >= query.limit) {
      break;
    }
    if (e.id <= query.after_id || (query.since && e.at < *query.since) ||
        (query.until && e.at > *query.until) ||
        (query.min_severity && e.severity < *query.min_severity)) {
      continue;
    }
    found.push_back(e);
  }
  return found;
}

bool MemoryStore::save_latch(const StoredLatch& latch) {
  latches_.push_back(latch);
  // Like SqliteStore: an Instant means nothing once read back.
  latches_.back().latch.at = Instant{};
  return true;
}

std::vector<StoredLatch> MemoryStore::active_latches() {
  auto first = latches_.begin();
  for (auto it = latches_.begin(); it != latches_.end(); ++it) {
    if (!core::is_latched(it->latch.state)) {
      first = it + 1;
    }
  }
  std::vector<StoredLatch> active;
  for (auto it = first; it != latches_.end(); ++it) {
    const bool superseded = std::any_of(it + 1, latches_.end(), [&](const StoredLatch& later) {
      return later.latch.state == it->latch.state;
    });
    if (!superseded) {
      active.push_back(*it);
    }
  }
  return active;
}

bool MemoryStore::open_session(const SessionRecord& session) {
  return sessions_.emplace(session.id, session).second;
}

bool MemoryStore::close_session(std::uint64_t id, WallMs at, const std::string& outcome) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return false;
  }
  it->second.closed_at = at;
  it->second.outcome = outcome;
  return true;
}

bool MemoryStore::reopen_session(std::uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return false;
  }
  it->second.closed_at.reset();
  it->second.outcome = "open";
  return true;
}

std::vector<SessionRecord> MemoryStore::sessions(std::uint32_t limit) {
  std::vector<SessionRecord> newest_first;
  for (auto it = sessions_.rbegin(); it != sessions_.rend() && newest_first.size() < limit; ++it) {
    newest_first.push_back(it->second);
  }
  return newest_first;
}

std::optional<SessionRecord> MemoryStore::session(std::uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<CourseSession> MemoryStore::course(const std::string& patient_ref) {
  std::vector<CourseSession> found;
  for (const auto& [id, s] : sessions_) {
    if (s.patient_ref != patient_ref) {
      continue;
    }
    CourseSession c{s, {s.area}};
    for (const StoredPulse& pulse : pulses_of_session(id)) {
      if (std::find(c.areas.begin(), c.areas.end(), pulse.area) == c.areas.end()) {
        c.areas.push_back(pulse.area);
      }
    }
    found.push_back(std::move(c));
  }
  std::stable_sort(found.begin(), found.end(), [](const CourseSession& a, const CourseSession& b) {
    return a.session.opened_at < b.session.opened_at;
  });
  return found;
}

std::uint64_t MemoryStore::last_session_id() {
  return sessions_.empty() ? 0 : sessions_.rbegin()->first;
}

bool MemoryStore::save_pulse(const StoredPulse& pulse) {
  StoredPulse& stored = pulses_[pulse.record.pulse_id];
  stored = pulse;
  stored.record.started = Instant{};
  return true;
}

std::vector<StoredPulse> MemoryStore::pulses_of_session(std::uint64_t session_id) {
  std::vector<StoredPulse> found;
  for (const auto& [id, pulse] : pulses_) {
    if (pulse.record.session_id == session_id) {
      found.push_back(pulse);
    }
  }
  return found;
}

std::optional<StoredPulse> MemoryStore::pulse(std::uint64_t pulse_id) {
  auto it = pulses_.find(pulse_id);
  if (it == pulses_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<StoredPulse> MemoryStore::pulses_from(std::uint64_t from_pulse_id,
                                                  std::uint32_t limit) {
  std::vector<StoredPulse> found;
  for (auto it = pulses_.lower_bound(from_pulse_id); it != pulses_.end() && found.size() < limit;
       ++it) {
    found.push_back(it->second);
  }
  return found;
}

std::optional<std::uint64_t> MemoryStore::first_started_pulse_id() {
  for (const auto& [id, p] : pulses_) {
    if (p.record.outcome == core::PulseOutcome::kStarted) {
      return id;
    }
  }
  return std::nullopt;
}

std::uint64_t MemoryStore::last_stored_pulse_id() {
  return pulses_.empty() ? 0 : pulses_.rbegin()->first;
}

bool MemoryStore::save_board_identity(const BoardIdentity& identity) {
  boards_.push_back(identity);
  return true;
}

std::optional<BoardIdentity> MemoryStore::board_identity(core::Board board) {
  for (auto it = boards_.rbegin(); it != boards_.rend(); ++it) {
    if (it->board == board) {
      return *it;
    }
  }
  return std::nullopt;
}

std::uint64_t MemoryStore::last_pulse_id() {
  const std::uint64_t stored = pulses_.empty() ? 0 : pulses_.rbegin()->first;
  return std::max(stored, reserved_pulse_ids_);
}

bool MemoryStore::reserve_pulse_ids(std::uint64_t up_to) {
  reserved_pulse_ids_ = std::max(reserved_pulse_ids_, up_to);
  return true;
}

std::uint64_t MemoryStore::reserved_pulse_ids() { return reserved_pulse_ids_; }

bool MemoryStore::save_calibration(StoredCalibration& calibration) {
  calibration.id = calibrations_.size() + 1;
  calibration.record.record_id = calibration.id;
  calibrations_.push_back(calibration);
  return true;
}

std::vector<StoredCalibration> MemoryStore::calibrations_in_force() {
  std::vector<StoredCalibration> in_force;
  for (auto it = calibrations_.begin(); it != calibrations_.end(); ++it) {
    if (!it->passed) {
      continue;
    }
    const bool superseded = std::any_of(it + 1, calibrations_.end(), [&](const auto& later) {
      return later.passed && later.generator_serial == it->generator_serial;
    });
    if (!superseded) {
      in_force.push_back(*it);
    }
  }
  return in_force;
}

std::vector<StoredCalibration> MemoryStore::calibrations(std::uint32_t limit) {
  std::vector<StoredCalibration> newest_first;
  for (auto it = calibrations_.rbegin(); it != calibrations_.rend() && newest_first.size() < limit;
       ++it) {
    newest_first.push_back(*it);
  }
  return newest_first;
}

bool MemoryStore::add_operator(const OperatorRecord& account) {
  return operators_.emplace(account.user, account).second;
}

bool MemoryStore::update_operator(const OperatorRecord& account) {
  auto it = operators_.find(account.user);
  if (it == operators_.end()) {
    return false;
  }
  it->second.pin_hash = account.pin_hash;
  it->second.disabled = account.disabled;
  it->second.changed_at = account.changed_at;
  return true;
}

std::vector<OperatorRecord> MemoryStore::operators() {
  std::vector<OperatorRecord> by_user;
  for (const auto& [user, account] : operators_) {
    by_user.push_back(account);
  }
  return by_user;
}

std::optional<OperatorRecord> MemoryStore::find_operator(const std::string& user) {
  auto it = operators_.find(user);
  if (it == operators_.end()) {
    return std::nullopt;
  }
  return it->second;
}

bool MemoryStore::append_audit(AuditEntry& entry) {
  link_audit_entry(entry, audit_.size() + 1,
                   audit_.empty() ? kAuditChainStart : std::string_view(audit_.back().row_hash));
  audit_.push_back(entry);
  return true;
}

std::vector<AuditEntry> MemoryStore::audit(std::uint64_t after_id, std::uint32_t limit) {
  std::vector<AuditEntry> found;
  for (const AuditEntry& entry : audit_) {
    if (found.size() >= limit) {
      break;
    }
    if (entry.id > after_id) {
      found.push_back(entry);
    }
  }
  return found;
}

std::optional<std::uint64_t> MemoryStore::last_audit_id() {
  return audit_.empty() ? 0 : audit_.back().id;
}

std::optional<WallMs> MemoryStore::latest_record_at() {
  WallMs latest = 0;
  for (const StoredEvent& e : events_) latest = std::max(latest, e.at);
  for (const StoredLatch& l : latches_) latest = std::max(latest, l.at);
  for (const auto& [id, s] : sessions_) {
    latest = std::max({latest, s.opened_at, s.closed_at.value_or(0)});
  }
  for (const auto& [id, p] : pulses_) latest = std::max(latest, p.started_at);
  for (const BoardIdentity& b : boards_) latest = std::max(latest, b.seen_at);
  for (const StoredCalibration& c : calibrations_) latest = std::max(latest, c.at);
  for (const AuditEntry& a : audit_) latest = std::max(latest, a.at);
  return latest;
}

std::optional<LifetimeCounters> MemoryStore::lifetime_counters() {
  std::map<std::pair<core::PulseKind, core::PulseOutcome>, std::uint64_t> by_outcome;
  std::map<std::string, CartridgeUse> cartridges;
  std::map<core::Condition, std::uint64_t> raised;
  LifetimeCounters out;
  for (const auto& [id, s] : sessions_) {
    CartridgeUse& use = cartridges[s.cartridge_serial];
    use.serial = s.cartridge_serial;
    ++use.sessions;
  }
  for (const auto& [id, p] : pulses_) {
    const core::PulseRecord& r = p.record;
    ++by_outcome[{r.kind, r.outcome}];
    out.rf_time_us += r.rf_time.count();
    if (r.kind != core::PulseKind::kTreatment) {
      continue;
    }
    out.delivered_energy_uj += r.delivered_energy.value();
    if (r.delivered_energy.value() <= 0) {
      continue;
    }
    std::string serial = p.cartridge_serial;
    if (serial.empty()) {
      auto session = sessions_.find(r.session_id);
      serial = session == sessions_.end() ? "" : session->second.cartridge_serial;
    }
    CartridgeUse& use = cartridges[serial];
    use.serial = serial;
    ++use.pulses;
    use.delivered_energy_uj += r.delivered_energy.value();
    use.last_pulse_at = std::max(use.last_pulse_at, p.started_at);
  }
  for (const StoredEvent& e : events_) {
    if (e.kind == core::EventKind::kConditionRaised && e.condition) {
      ++raised[*e.condition];
    }
  }
  for (const auto& [key, count] : by_outcome) {
    out.pulses.push_back({key.first, key.second, count});
  }
  for (auto& [serial, use] : cartridges) {
    out.cartridges.push_back(std::move(use));
  }
  for (const auto& [condition, count] : raised) {
    out.conditions.push_back({condition, count});
  }
  return out;
}

}  // namespace rfneedle::daemon
