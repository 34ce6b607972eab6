// The store kept in memory: the deterministic simulation and the tests use it in place of
// SqliteStore, and it behaves exactly like it (one behaviour suite runs against both).
// Nothing survives the object; every write succeeds.
#pragma once

#include <map>

#include "controller/daemon/store.h"

namespace rfneedle::daemon {

class MemoryStore final : public Store {
 public:
  [[nodiscard]] bool append_event(StoredEvent& event) override;
  [[nodiscard]] std::vector<StoredEvent> events(const EventQuery& query) override;

  [[nodiscard]] bool save_latch(const StoredLatch& latch) override;
  [[nodiscard]] std::vector<StoredLatch> active_latches() override;

  [[nodiscard]] bool open_session(const SessionRecord& session) override;
  [[nodiscard]] bool reopen_session(std::uint64_t id) override;
  [[nodiscard]] bool close_session(std::uint64_t id, WallMs at,
                                   const std::string& outcome) override;
  [[nodiscard]] std::vector<SessionRecord> sessions(std::uint32_t limit) override;
  [[nodiscard]] std::optional<SessionRecord> session(std::uint64_t id) override;
  [[nodiscard]] std::vector<CourseSession> course(const std::string& patient_ref) override;
  [[nodiscard]] std::uint64_t last_session_id() override;

  [[nodiscard]] bool save_pulse(const StoredPulse& pulse) override;
  [[nodiscard]] std::vector<StoredPulse> pulses_of_session(std::uint64_t session_id) override;
  [[nodiscard]] std::optional<StoredPulse> pulse(std::uint64_t pulse_id) override;
  [[nodiscard]] std::vector<StoredPulse> pulses_from(std::uint64_t from_pulse_id,
                                                     std::uint32_t limit) override;
  [[nodiscard]] std::optional<std::uint64_t> first_started_pulse_id() override;
  [[nodiscard]] std::uint64_t last_stored_pulse_id() override;
  [[nodiscard]] std::uint64_t last_pulse_id() override;
  [[nodiscard]] bool reserve_pulse_ids(std::uint64_t up_to) override;
  [[nodiscard]] std::uint64_t reserved_pulse_ids() override;

  [[nodiscard]] bool save_board_identity(const BoardIdentity& identity) override;
  [[nodiscard]] std::optional<BoardIdentity> board_identity(core::Board board) override;

  [[nodiscard]] bool save_calibration(StoredCalibration& calibration) override;
  [[nodiscard]] std::vector<StoredCalibration> calibrations_in_force() override;
  [[nodiscard]] std::vector<StoredCalibration> calibrations(std::uint32_t limit) override;

  [[nodiscard]] bool add_operator(const OperatorRecord& account) override;
  [[nodiscard]] bool update_operator(const OperatorRecord& account) override;
  [[nodiscard]] std::vector<OperatorRecord> operators() override;
  [[nodiscard]] std::optional<OperatorRecord> find_operator(const std::string& user) override;

  [[nodiscard]] bool append_audit(AuditEntry& entry) override;
  [[nodiscard]] std::vector<AuditEntry> audit(std::uint64_t after_id, std::uint32_t limit) override;
  [[nodiscard]] std::optional<std::uint64_t> last_audit_id() override;
  [[nodiscard]] std::optional<WallMs> latest_record_at() override;
  [[nodiscard]] std::optional<LifetimeCounters> lifetime_counters() override;

 private:
  std::vector<StoredEvent> events_;
  std::vector<StoredLatch> latches_;
  std::map<std::uint64_t, SessionRecord> sessions_;
  std::map<std::uint64_t, StoredPulse> pulses_;
  std::uint64_t reserved_pulse_ids_ = 0;
  std::vector<StoredCalibration> calibrations_;
  std::vector<BoardIdentity> boards_;
  std::map<std::string, OperatorRecord> operators_;
  std::vector<AuditEntry> audit_;
};

}  // namespace rfneedle::daemon
