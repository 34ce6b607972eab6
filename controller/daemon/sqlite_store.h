// The device's store on disk (DESIGN 6): one SQLite file in WAL mode with
// synchronous=FULL, so a write that returned true survives a crash or power loss (SR-69).
// Schema and migrations: sqlite_schema.h; how enums are written: stored_names.h. Source
// files: sqlite_store.cpp, sqlite_store_records.cpp (sessions, pulses),
// sqlite_store_accounts.cpp (operators, audit).
#pragma once

#include <memory>
#include <string>

#include "controller/daemon/store.h"

namespace SQLite {
class Database;
}

namespace rfneedle::daemon {

class SqliteStore;

struct SqliteStoreOpen {
  std::unique_ptr<SqliteStore> store;
  std::string error;  // names the file and the reason; set when store is empty
  bool created = false;     // the file did not exist: a new store was made
  int migrated_from = -1;   // the schema version it was migrated from; -1: none was needed
  std::string backup_path;  // the copy made before that migration (SQLite's backup API)

  [[nodiscard]] bool ok() const { return store != nullptr; }
};

class SqliteStore final : public Store {
 public:
  // Opens the store at `path`, creating it when missing (and `create_when_missing`) and
  // migrating it to this build's schema. Refuses a file that is not a store, holds no
  // schema (a store is never created over an existing file), fails `PRAGMA quick_check`,
  // or has a newer schema version than this build's; a refused file is left unchanged.
  // Before a migration the whole store is copied with SQLite's online backup API to
  // `<path>.before-v<this build's version>` (`.1`, `.2`... when that exists); a copy that
  // fails refuses the store, unmigrated.
  [[nodiscard]] static SqliteStoreOpen open(const std::string& path,
                                            bool create_when_missing = true);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

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
  [[nodiscard]] std::string last_error() const override { return last_error_; }

 private:
  explicit SqliteStore(std::unique_ptr<SQLite::Database> db);

  std::unique_ptr<SQLite::Database> db_;
  std::string last_error_;  // SQLite's text for the last call that failed
};

}  // namespace rfneedle::daemon
