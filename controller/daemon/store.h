// The device's records (DESIGN 6): events, latches, treatment sessions, every pulse,
// calibration records, the operators' accounts and the audit log, behind one small
// interface. SqliteStore keeps
// them in SQLite (WAL, synchronous=FULL); MemoryStore keeps them in memory for the
// deterministic simulation and the tests. Used on the service thread only: the safety
// thread never waits on it (SR-71).
//
// Every write is durable when it returns true; a write that fails returns false (and
// never throws), and the caller keeps the record to retry (SR-69). A read that fails
// returns empty (or 0). Neither implementation logs: the caller does, once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/core/core_event.h"
#include "controller/core/pulse_record.h"
#include "controller/core/status.h"
#include "controller/core/telemetry.h"
#include "controller/core/treatment.h"

namespace rfneedle::daemon {

// Wall-clock time of a record: milliseconds since 1970-01-01 UTC.
using WallMs = std::int64_t;

struct StoredEvent {
  std::uint64_t id = 0;  // assigned by the store, increasing: clients resume by it
  WallMs at = 0;
  core::EventKind kind = core::EventKind::kStateChanged;
  core::Severity severity = core::Severity::kDiagnostic;
  core::AlarmPriority priority = core::AlarmPriority::kNone;
  std::optional<core::Condition> condition;
  core::State state = core::State::kConnecting;
  std::string text;
  std::string detail;
  std::int64_t value = 0;
};

struct EventQuery {
  std::uint64_t after_id = 0;
  std::optional<WallMs> since;
  std::optional<WallMs> until;
  std::optional<core::Severity> min_severity;
  std::uint32_t limit = 100;
};

struct StoredLatch {
  core::LatchRecord latch;  // its Instant is meaningless after a restart; `at` is kept
  WallMs at = 0;
  std::string cleared_by;  // who acknowledged or reset it, when it is a clearing record
  std::string reason;
};

// A board as its handshake named it; the store keeps each change of a board's serial
// number or firmware version (issue 9).
struct BoardIdentity {
  core::Board board = core::Board::kGenerator;
  std::string serial;
  std::string firmware;
  WallMs seen_at = 0;  // when this identity was first seen
};

// Who and what a session was done with, recorded when it opens (issue 9).
struct SessionRecord {
  std::uint64_t id = 0;  // the core's session ID
  std::string patient_ref;
  std::string operator_id;
  core::BodyArea area = core::BodyArea::kCheek;
  std::string cartridge_serial;
  WallMs opened_at = 0;
  std::optional<WallMs> closed_at;
  std::string outcome;  // "open", "closed", "interrupted"
  std::string software_version;
  std::string configuration_hash;
  std::string generator_firmware, generator_serial;
  std::string actuator_firmware, actuator_serial;
  std::optional<core::CalibrationRecord> calibration;
  std::string override_reason;  // a screening override's reason, when there was one
  std::vector<std::string> screening_yes;  // the screening items answered YES, by id
  std::string course_reason;  // why it was sooner than the course's minimum interval
};

// One session of a patient's course (DESIGN 4): the areas it treated are the one it opened
// on and those of its stored pulses.
struct CourseSession {
  SessionRecord session;
  std::vector<core::BodyArea> areas;
};

struct StoredPulse {
  core::PulseRecord record;  // `started` is meaningless after a restart; `started_at` is kept
  WallMs started_at = 0;
  core::BodyArea area = core::BodyArea::kCheek;
  // Added or completed from the generator's pulse log, or marked not delivered, by
  // reconciliation (SR-70, controller/daemon/reconcile.h).
  bool reconciled = false;
  std::string operator_id;  // who armed the device for it; "" for a reconciled pulse
  // The cartridge the core had read when the record was made; "" for a pulse added by
  // reconciliation (its session's cartridge stands for it).
  std::string cartridge_serial;
};

// What the device has done over its life, from its records (GET /service/counters): it
// survives restarts, and reconciled pulses count as the generator logged them.
struct PulseCount {
  core::PulseKind kind = core::PulseKind::kTreatment;
  core::PulseOutcome outcome = core::PulseOutcome::kCompleted;
  std::uint64_t pulses = 0;
};

struct CartridgeUse {
  std::string serial;
  std::uint64_t sessions = 0;  // opened with it
  std::uint64_t pulses = 0;    // treatment pulses with RF delivered under it
  std::int64_t delivered_energy_uj = 0;
  WallMs last_pulse_at = 0;  // 0 when it delivered none
};

struct ConditionCount {
  core::Condition condition = core::Condition::kInternalInvariant;
  std::uint64_t raised = 0;
};

struct LifetimeCounters {
  std::vector<PulseCount> pulses;      // by kind, then outcome; only counts above 0
  std::int64_t rf_time_us = 0;         // every kind: the generator's working time
  std::int64_t delivered_energy_uj = 0;  // treatment pulses only
  std::vector<CartridgeUse> cartridges;  // by serial
  std::vector<ConditionCount> conditions;  // raised events by condition (ladder order)
};

// One completed calibration (SR-66), passed or failed: a passed one is the calibration in
// force for its generator until a later one of that generator passes; a failed one
// changed nothing and is kept for the history.
struct StoredCalibration {
  std::uint64_t id = 0;  // assigned by the store, increasing
  WallMs at = 0;
  std::string generator_serial;  // from the generator's handshake
  bool passed = false;
  std::string reason;  // the core's, when it failed; "" when passed
  int runs_passed = 0;
  int runs_failed = 0;
  // Passed: the correction with its day, due day and fixture. Failed: the day and the
  // fixture only (power_correction_ppm 0 and due_day 0: no correction). Its record_id is
  // `id` when read back.
  core::CalibrationRecord record;
};

struct AuditEntry {
  std::uint64_t id = 0;
  WallMs at = 0;
  std::string role;
  std::string user;
  std::string route;
  std::string parameters;  // secrets redacted
  std::string result;
  // The hash chain (SR-72, audit_chain.h): the previous entry's row_hash, and this entry's
  // own hash over its fields and previous_hash. Set by the store as it appends.
  std::string previous_hash;
  std::string row_hash;
};

// An operator's account (issue 10): created, reset, disabled and enabled by the service
// role, never removed, so every record that names its user keeps meaning one person.
struct OperatorRecord {
  std::string user;
  std::string pin_hash;  // Argon2id (crypto_pwhash_str), never the PIN
  bool disabled = false;
  WallMs created_at = 0;
  WallMs changed_at = 0;  // the last reset, disable or enable; created_at until then
};

class Store {
 public:
  virtual ~Store() = default;

  [[nodiscard]] virtual bool append_event(StoredEvent& event) = 0;  // sets event.id
  // Oldest first: id > after_id, since <= at <= until, severity >= min_severity.
  [[nodiscard]] virtual std::vector<StoredEvent> events(const EventQuery& query) = 0;

  [[nodiscard]] virtual bool save_latch(const StoredLatch& latch) = 0;
  // The latches in force, oldest first: a record in a non-latched state (the core writes
  // kStandby) clears every latch before it; of the records after the last such one, the
  // latest of each latched state.
  [[nodiscard]] virtual std::vector<StoredLatch> active_latches() = 0;

  // False when the session's ID is already stored.
  [[nodiscard]] virtual bool open_session(const SessionRecord& session) = 0;
  // False when no session has this ID.
  [[nodiscard]] virtual bool close_session(std::uint64_t id, WallMs at,
                                           const std::string& outcome) = 0;
  // An interrupted session resumed (SR-89): open again, its closing time cleared. False
  // when no session has this ID.
  [[nodiscard]] virtual bool reopen_session(std::uint64_t id) = 0;
  // Newest first.
  [[nodiscard]] virtual std::vector<SessionRecord> sessions(std::uint32_t limit) = 0;
  [[nodiscard]] virtual std::optional<SessionRecord> session(std::uint64_t id) = 0;
  // Every session of this pseudonymous patient reference, oldest first.
  [[nodiscard]] virtual std::vector<CourseSession> course(const std::string& patient_ref) = 0;
  // The highest session ID ever stored (the core's counter continues from it).
  [[nodiscard]] virtual std::uint64_t last_session_id() = 0;

  // A started pulse (its ID durable before its command is sent, SR-68), then its final
  // record replacing it (SR-69): one record per pulse ID, the last one saved.
  [[nodiscard]] virtual bool save_pulse(const StoredPulse& pulse) = 0;
  // By pulse ID, ascending.
  [[nodiscard]] virtual std::vector<StoredPulse> pulses_of_session(std::uint64_t session_id) = 0;
  [[nodiscard]] virtual std::optional<StoredPulse> pulse(std::uint64_t pulse_id) = 0;
  // Pulse IDs >= from_pulse_id, ascending, at most `limit`.
  [[nodiscard]] virtual std::vector<StoredPulse> pulses_from(std::uint64_t from_pulse_id,
                                                             std::uint32_t limit) = 0;
  // The lowest pulse ID whose record is still the started one (no final record saved).
  [[nodiscard]] virtual std::optional<std::uint64_t> first_started_pulse_id() = 0;
  // The highest pulse ID with a record (reservations aside).
  [[nodiscard]] virtual std::uint64_t last_stored_pulse_id() = 0;
  // The highest pulse ID stored or reserved (the core's counter continues from it).
  [[nodiscard]] virtual std::uint64_t last_pulse_id() = 0;
  // Pulse IDs up to `up_to` are reserved durably before the core may use them, so every
  // ID is durable before the command carrying it is sent without the safety thread ever
  // waiting (SR-68). The reservation never shrinks: a lower `up_to` changes nothing.
  [[nodiscard]] virtual bool reserve_pulse_ids(std::uint64_t up_to) = 0;
  [[nodiscard]] virtual std::uint64_t reserved_pulse_ids() = 0;

  // Each change of a board's identity; the latest saved for a board is its last known one.
  [[nodiscard]] virtual bool save_board_identity(const BoardIdentity& identity) = 0;
  [[nodiscard]] virtual std::optional<BoardIdentity> board_identity(core::Board board) = 0;

  // Sets calibration.id (and calibration.record.record_id).
  [[nodiscard]] virtual bool save_calibration(StoredCalibration& calibration) = 0;
  // The calibration in force of each generator that has one (its latest passed record),
  // oldest first.
  [[nodiscard]] virtual std::vector<StoredCalibration> calibrations_in_force() = 0;
  // Every record, passed or failed, newest first.
  [[nodiscard]] virtual std::vector<StoredCalibration> calibrations(std::uint32_t limit) = 0;

  // False when an operator with this user name exists.
  [[nodiscard]] virtual bool add_operator(const OperatorRecord& account) = 0;
  // Replaces the PIN hash, the disabled flag and changed_at of the account with this user
  // name (created_at stays); false when there is none.
  [[nodiscard]] virtual bool update_operator(const OperatorRecord& account) = 0;
  // By user name.
  [[nodiscard]] virtual std::vector<OperatorRecord> operators() = 0;
  [[nodiscard]] virtual std::optional<OperatorRecord> find_operator(const std::string& user) = 0;

  // Append-only (SR-72): entries are never changed or removed. Sets entry.id and links the
  // entry to the chain (previous_hash, row_hash) in the same transaction as the insert.
  [[nodiscard]] virtual bool append_audit(AuditEntry& entry) = 0;
  // Oldest first, id > after_id.
  [[nodiscard]] virtual std::vector<AuditEntry> audit(std::uint64_t after_id,
                                                      std::uint32_t limit) = 0;
  // The newest entry's ID (0 when there is none), or nothing when the store cannot be read:
  // a check of the chain must know it read everything (STYLE: a check that did not run
  // never counts as passed).
  [[nodiscard]] virtual std::optional<std::uint64_t> last_audit_id() = 0;

  // The latest time any record carries (events, latches, sessions, pulses, board
  // identities, calibrations, audit), 0 when there is none, or nothing when the store
  // cannot be read: a wall clock earlier than it holds arming (SR-87).
  [[nodiscard]] virtual std::optional<WallMs> latest_record_at() = 0;

  // Nothing when the store cannot be read: zeros would claim a device that never worked.
  [[nodiscard]] virtual std::optional<LifetimeCounters> lifetime_counters() = 0;

  // Why the last call that failed did ("database or disk is full"), for the caller's log
  // and the status; empty when the store has nothing to say.
  [[nodiscard]] virtual std::string last_error() const { return {}; }
};

}  // namespace rfneedle::daemon
