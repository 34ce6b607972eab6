// A minimal Store for the daemon's tests: keeps what it is given in vectors, and fails
// every write while `failing` is set (as a full disk or a locked database would). Used on
// one thread (the service thread's).
#pragma once

#include <algorithm>
#include <vector>

#include "controller/daemon/store.h"

namespace rfneedle::daemon::testing {

class FakeStore final : public Store {
 public:
  bool failing = false;
  std::vector<StoredEvent> stored_events;
  std::vector<StoredLatch> stored_latches;
  std::vector<StoredPulse> pulse_writes;  // every save_pulse, in order
  std::vector<StoredLatch> latches_in_force;
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
  std::vector<StoredEvent> events(const EventQuery&) override { return stored_events; }
  bool save_latch(const StoredLatch& latch) override {
    if (failing) return false;
    stored_latches.push_back(latch);
    return true;
  }
  std::vector<StoredLatch> active_latches() override { return latches_in_force; }
  bool open_session(const SessionRecord&) override { return !failing; }
  bool close_session(std::uint64_t, WallMs, const std::string&) override { return !failing; }
  std::vector<SessionRecord> sessions(std::uint32_t) override { return {}; }
  std::optional<SessionRecord> session(std::uint64_t) override { return std::nullopt; }
  std::uint64_t last_session_id() override { return 0; }
  bool save_pulse(const StoredPulse& pulse) override {
    if (failing) return false;
    pulse_writes.push_back(pulse);
    last_pulse = std::max(last_pulse, pulse.record.pulse_id);
    return true;
  }
  std::vector<StoredPulse> pulses_of_session(std::uint64_t) override { return final_pulses(); }
  std::uint64_t last_pulse_id() override { return last_pulse; }
  bool reserve_pulse_ids(std::uint64_t up_to) override {
    if (failing) return false;
    ++reservations;
    reserved = std::max(reserved, up_to);
    return true;
  }
  std::uint64_t reserved_pulse_ids() override { return reserved; }
  bool save_calibration(const core::CalibrationRecord&, const std::string&) override {
    return !failing;
  }
  std::optional<core::CalibrationRecord> calibration(const std::string&) override {
    return std::nullopt;
  }
  bool append_audit(AuditEntry&) override { return !failing; }
  std::vector<AuditEntry> audit(std::uint64_t, std::uint32_t) override { return {}; }
};

}  // namespace rfneedle::daemon::testing
