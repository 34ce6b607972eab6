// A Store for the daemon's tests: keeps what it is given in vectors, fails every write
// while `failing` is set (as a full disk or a locked database would) and audit writes
// while `fail_audit` is set; while `failing`, reads answer empty (or nothing) too. Audit writes
// lock `mutex`, since the API's server may audit from its own thread; everything else is used on
// one thread (the service thread's).
#pragma once

#include <algorithm>
#include <mutex>
#include <vector>

#include "controller/daemon/audit_chain.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon::testing {

class FakeStore final : public Store {
 public:
  bool failing = false;
  bool fail_audit = false;
  std::vector<StoredEvent> stored_events;
  std::vector<StoredLatch> stored_latches;
  std::vector<StoredPulse> pulse_writes;  // every save_pulse, in order
  std::vector<StoredLatch> latches_in_force;
  std::vector<SessionRecord> session_list;
  std::vector<OperatorRecord> operator_list;
  std::vector<AuditEntry> audit_log;
  std::vector<BoardIdentity> board_identities;
  std::vector<StoredCalibration> calibration_log;  // every save_calibration, in order
  std::mutex mutex;
  std::uint64_t last_pulse = 0;
  std::uint64_t reserved = 0;
  int reservations = 0;

  // The final record of each pulse, in pulse-ID order.
  [[nodiscard]] std::vector<StoredPulse> final_pulses() const {
    std::vector<StoredPulse> out;
    for (const StoredPulse& p : pulse_writes) {
      if (p.record.outcome == core::PulseOutcome::kStarted) continue;
      std::erase_if(out,
                    [&](const StoredPulse& q) { return q.record.pulse_id == p.record.pulse_id; });
      out.push_back(p);
    }
    return out;
  }

  bool append_event(StoredEvent& event) override {
    if (failing) return false;
    event.id = stored_events.size() + 1;
    stored_events.push_back(event);
    return true;
  }
  std::vector<StoredEvent> events(const EventQuery& q) override {
    std::vector<StoredEvent> out;
    for (const StoredEvent& e : stored_events) {
      if (e.id > q.after_id && out.size() < q.limit) out.push_back(e);
    }
    return out;
  }
  bool save_latch(const StoredLatch& latch) override {
    if (failing) return false;
    stored_latches.push_back(latch);
    return true;
  }
  std::vector<StoredLatch> active_latches() override { return latches_in_force; }
  bool open_session(const SessionRecord& s) override {
    if (failing) return false;
    session_list.push_back(s);
    return true;
  }
  bool close_session(std::uint64_t, WallMs, const std::string&) override { return !failing; }
  bool reopen_session(std::uint64_t) override { return !failing; }
  std::vector<SessionRecord> sessions(std::uint32_t) override { return session_list; }
  std::optional<SessionRecord> session(std::uint64_t id) override {
    for (const SessionRecord& s : session_list) {
      if (s.id == id) return s;
    }
    return std::nullopt;
  }
  std::vector<CourseSession> course(const std::string& patient_ref) override {
    std::vector<CourseSession> out;
    for (const SessionRecord& s : session_list) {
      if (s.patient_ref == patient_ref) out.push_back({s, {s.area}});
    }
    return out;
  }
  std::uint64_t last_session_id() override { return 0; }
  bool save_pulse(const StoredPulse& pulse) override {
    if (failing) return false;
    pulse_writes.push_back(pulse);
    last_pulse = std::max(last_pulse, pulse.record.pulse_id);
    return true;
  }
  std::vector<StoredPulse> pulses_of_session(std::uint64_t id) override {
    std::vector<StoredPulse> out = final_pulses();
    std::erase_if(out, [&](const StoredPulse& p) { return p.record.session_id != id; });
    return out;
  }
  std::optional<StoredPulse> pulse(std::uint64_t id) override {
    for (auto it = pulse_writes.rbegin(); it != pulse_writes.rend(); ++it) {
      if (it->record.pulse_id == id) return *it;
    }
    return std::nullopt;
  }
  std::vector<StoredPulse> pulses_from(std::uint64_t from, std::uint32_t limit) override {
    std::vector<StoredPulse> out;
    for (std::uint64_t id = from; id <= last_pulse && out.size() < limit; ++id) {
      if (auto p = pulse(id)) out.push_back(*p);
    }
    return out;
  }
  std::optional<std::uint64_t> first_started_pulse_id() override {
    for (std::uint64_t id = 1; id <= last_pulse; ++id) {
      if (auto p = pulse(id); p && p->record.outcome == core::PulseOutcome::kStarted) return id;
    }
    return std::nullopt;
  }
  std::uint64_t last_stored_pulse_id() override { return last_pulse; }
  std::uint64_t last_pulse_id() override { return last_pulse; }
  bool reserve_pulse_ids(std::uint64_t up_to) override {
    if (failing) return false;
    ++reservations;
    reserved = std::max(reserved, up_to);
    return true;
  }
  std::uint64_t reserved_pulse_ids() override { return reserved; }
  bool save_board_identity(const BoardIdentity& identity) override {
    if (failing) return false;
    board_identities.push_back(identity);
    return true;
  }
  std::optional<BoardIdentity> board_identity(core::Board board) override {
    for (auto it = board_identities.rbegin(); it != board_identities.rend(); ++it) {
      if (it->board == board) return *it;
    }
    return std::nullopt;
  }
  bool save_calibration(StoredCalibration& c) override {
    if (failing) return false;
    c.id = calibration_log.size() + 1;
    c.record.record_id = c.id;
    calibration_log.push_back(c);
    return true;
  }
  std::vector<StoredCalibration> calibrations_in_force() override {
    std::vector<StoredCalibration> out;
    for (const StoredCalibration& c : calibration_log) {
      if (!c.passed) continue;
      std::erase_if(out, [&](const auto& o) { return o.generator_serial == c.generator_serial; });
      out.push_back(c);
    }
    return out;
  }
  std::vector<StoredCalibration> calibrations(std::uint32_t limit) override {
    std::vector<StoredCalibration> out(calibration_log.rbegin(), calibration_log.rend());
    if (out.size() > limit) out.resize(limit);
    return out;
  }
  bool add_operator(const OperatorRecord& account) override {
    if (failing || find_operator(account.user)) return false;
    operator_list.push_back(account);
    return true;
  }
  bool update_operator(const OperatorRecord& account) override {
    if (failing) return false;
    for (OperatorRecord& o : operator_list) {
      if (o.user != account.user) continue;
      o.pin_hash = account.pin_hash;
      o.disabled = account.disabled;
      o.changed_at = account.changed_at;
      return true;
    }
    return false;
  }
  std::vector<OperatorRecord> operators() override { return operator_list; }
  std::optional<OperatorRecord> find_operator(const std::string& user) override {
    for (const OperatorRecord& o : operator_list) {
      if (o.user == user) return o;
    }
    return std::nullopt;
  }
  bool append_audit(AuditEntry& entry) override {
    std::lock_guard lock(mutex);
    if (failing || fail_audit) return false;
    link_audit_entry(
        entry, audit_log.size() + 1,
        audit_log.empty() ? kAuditChainStart : std::string_view(audit_log.back().row_hash));
    audit_log.push_back(entry);
    return true;
  }
  std::vector<AuditEntry> audit(std::uint64_t after_id, std::uint32_t limit) override {
    std::lock_guard lock(mutex);
    std::vector<AuditEntry> out;
    if (failing) return out;
    for (const AuditEntry& a : audit_log) {
      if (a.id > after_id && out.size() < limit) out.push_back(a);
    }
    return out;
  }
  std::optional<std::uint64_t> last_audit_id() override {
    std::lock_guard lock(mutex);
    if (failing) return std::nullopt;
    return audit_log.empty() ? 0 : audit_log.back().id;
  }
  // Only the events and audit entries count here; 0 when there are none.
  std::optional<WallMs> latest_record_at() override {
    std::lock_guard lock(mutex);
    if (failing) return std::nullopt;
    WallMs latest = 0;
    for (const StoredEvent& e : stored_events) latest = std::max(latest, e.at);
    for (const AuditEntry& a : audit_log) latest = std::max(latest, a.at);
    return latest;
  }
  // Only the raised events count here.
  std::optional<LifetimeCounters> lifetime_counters() override {
    std::lock_guard lock(mutex);
    if (failing) return std::nullopt;
    LifetimeCounters out;
    for (const StoredEvent& e : stored_events) {
      if (e.kind == core::EventKind::kConditionRaised && e.condition) {
        out.conditions.push_back({*e.condition, 1});
      }
    }
    return out;
  }
};

}  // namespace rfneedle::daemon::testing
