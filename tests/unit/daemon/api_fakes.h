// A DeviceGateway and a Store for the API's tests: the gateway answers every request at
// once with `next_reply` (or keeps it for the test to answer), the store keeps records in
// vectors. Thread-safe enough for a server on another thread: counters are atomic, and
// the rest is set before the server starts or read after it stopped.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "controller/daemon/device_gateway.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon::testing {

class FakeGateway final : public DeviceGateway {
 public:
  void request(CoreRequest r, Reply reply) override {
    std::lock_guard lock(mutex);
    requests.push_back(r);
    ++request_count;
    if (hold_replies) {
      held.push_back(std::move(reply));
      return;
    }
    reply(next_reply);
  }
  void stop() override { ++stops; }
  [[nodiscard]] const core::Status& status() const override { return status_; }
  [[nodiscard]] bool boards_simulated() const override { return simulated; }
  void add_listener(DeviceListener& l) override { listeners.push_back(&l); }
  void remove_listener(DeviceListener& l) override { std::erase(listeners, &l); }

  core::Status status_;
  bool simulated = false;
  bool hold_replies = false;
  CoreReply next_reply;
  std::mutex mutex;
  std::vector<CoreRequest> requests;
  std::vector<Reply> held;
  std::vector<DeviceListener*> listeners;
  std::atomic<int> stops{0};
  std::atomic<int> request_count{0};
};

class FakeStore final : public Store {
 public:
  bool append_event(StoredEvent& e) override {
    e.id = event_list.size() + 1;
    event_list.push_back(e);
    return true;
  }
  std::vector<StoredEvent> events(const EventQuery& q) override {
    last_query = q;
    std::vector<StoredEvent> out;
    for (const StoredEvent& e : event_list) {
      if (e.id > q.after_id && out.size() < q.limit) {
        out.push_back(e);
      }
    }
    return out;
  }
  bool save_latch(const StoredLatch&) override { return true; }
  std::vector<StoredLatch> active_latches() override { return {}; }
  bool open_session(const SessionRecord& s) override {
    session_list.push_back(s);
    return true;
  }
  bool close_session(std::uint64_t, WallMs, const std::string&) override { return true; }
  std::vector<SessionRecord> sessions(std::uint32_t) override { return session_list; }
  std::optional<SessionRecord> session(std::uint64_t id) override {
    for (const SessionRecord& s : session_list) {
      if (s.id == id) {
        return s;
      }
    }
    return std::nullopt;
  }
  std::uint64_t last_session_id() override { return 0; }
  bool save_pulse(const StoredPulse& p) override {
    pulse_list.push_back(p);
    return true;
  }
  std::vector<StoredPulse> pulses_of_session(std::uint64_t id) override {
    std::vector<StoredPulse> out;
    for (const StoredPulse& p : pulse_list) {
      if (p.record.session_id == id) {
        out.push_back(p);
      }
    }
    return out;
  }
  std::uint64_t last_pulse_id() override { return 0; }
  bool reserve_pulse_ids(std::uint64_t) override { return true; }
  std::uint64_t reserved_pulse_ids() override { return 0; }
  bool save_calibration(const core::CalibrationRecord&, const std::string&) override {
    return true;
  }
  std::optional<core::CalibrationRecord> calibration(const std::string&) override {
    return std::nullopt;
  }
  bool append_audit(AuditEntry& entry) override {
    std::lock_guard lock(mutex);
    if (fail_audit) {
      return false;
    }
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

  std::mutex mutex;
  bool fail_audit = false;
  std::vector<StoredEvent> event_list;
  std::vector<SessionRecord> session_list;
  std::vector<StoredPulse> pulse_list;
  std::vector<AuditEntry> audit_log;
  EventQuery last_query;
};

}  // namespace rfneedle::daemon::testing
