// A Store for the daemon's tests: keeps what it is given in vectors, fails every write
// while `failing` is set (as a full disk or a locked database would) and audit writes
// while `fail_audit` is set. Audit writes lock `mutex`, since the API's server may audit
// from its own thread; everything else is used on one thread (the service thread's).
#pragma once

#include <algorithm>
#include <mutex>
#include <vector>

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
  std::vector<AuditEntry> audit_log;
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
  std::vector<SessionRecord> sessions(std::uint32_t) override { return session_list; }
  std::optional<SessionRecord> session(std::uint64_t id) override {
    for (const SessionRecord& s : session_list) {
      if (s.id == id) return s;
    }
    return std::nullopt;
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
  std::uint64_t last_pulse_id() override { return last_pulse; }
  bool reserve_pulse_ids(std::uint64_t up_to) override {
    if (failing) return false;
    ++reservations;
    reserved = std::max(reserved, up_to);
    return true;
  }
  std::uint64_t reserved_pulse_ids() override { return reserved; }
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
  bool append_audit(AuditEntry& entry) override {
    std::lock_guard lock(mutex);
    if (failing || fail_audit) return false;
    entry.id = audit_log.size() + 1;
    audit_log.push_back(entry);
    return true;
  }
  std::vector<AuditEntry> audit(std::uint64_t after_id, std::uint32_t limit) override {
    std::lock_guard lock(mutex);
    std::vector<AuditEntry> out;
    for (const AuditEntry& a : audit_log) {
      if (a.id > after_id && out.size() < limit) out.push_back(a);
    }
    return out;
  }
};

}  // namespace rfneedle::daemon::testing
