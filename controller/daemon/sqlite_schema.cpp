#include "controller/daemon/sqlite_schema.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <string>
#include <vector>

#include "controller/daemon/audit_chain.h"

namespace rfneedle::daemon {
namespace {

// Enums are TEXT holding their stable names (stored_names.h); times are WallMs (INTEGER
// ms since 1970 UTC); quantities are integers in the core's units, named in the column.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  priority TEXT NOT NULL,
  condition TEXT,
  state TEXT NOT NULL,
  text TEXT NOT NULL,
  detail TEXT NOT NULL,
  value INTEGER NOT NULL
);
CREATE INDEX events_at ON events (at);

CREATE TABLE latches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  state TEXT NOT NULL,
  cause TEXT NOT NULL,
  cleared_by TEXT NOT NULL,
  reason TEXT NOT NULL
);

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  patient_ref TEXT NOT NULL,
  operator_id TEXT NOT NULL,
  area TEXT NOT NULL,
  cartridge_serial TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  outcome TEXT NOT NULL,
  software_version TEXT NOT NULL,
  configuration_hash TEXT NOT NULL,
  generator_firmware TEXT NOT NULL,
  generator_serial TEXT NOT NULL,
  actuator_firmware TEXT NOT NULL,
  actuator_serial TEXT NOT NULL,
  calibration_ppm INTEGER,
  calibrated_day INTEGER,
  calibration_due_day INTEGER,
  override_reason TEXT NOT NULL
);

CREATE TABLE pulses (
  pulse_id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  area TEXT NOT NULL,
  set_power_mw INTEGER NOT NULL,
  set_duration_us INTEGER NOT NULL,
  set_depth_um INTEGER NOT NULL,
  depth_confirmed INTEGER NOT NULL,
  planned_energy_uj INTEGER NOT NULL,
  delivered_energy_uj INTEGER NOT NULL,
  rf_time_us INTEGER NOT NULL,
  impedance_measured_ohm INTEGER NOT NULL,
  impedance_min_ohm INTEGER NOT NULL,
  impedance_mean_ohm INTEGER NOT NULL,
  impedance_max_ohm INTEGER NOT NULL,
  power_peak_mw INTEGER NOT NULL,
  skin_peak_mdegc INTEGER NOT NULL,
  heatsink_peak_mdegc INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  cause TEXT,
  reconciled INTEGER NOT NULL
);
CREATE INDEX pulses_session ON pulses (session_id);

-- One row: every pulse ID up to up_to is reserved (SR-68).
CREATE TABLE pulse_id_reservation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  up_to INTEGER NOT NULL
);

CREATE TABLE calibrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  generator_serial TEXT NOT NULL,
  power_correction_ppm INTEGER NOT NULL,
  calibrated_day INTEGER NOT NULL,
  due_day INTEGER NOT NULL
);
CREATE INDEX calibrations_generator ON calibrations (generator_serial);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  role TEXT NOT NULL,
  user TEXT NOT NULL,
  route TEXT NOT NULL,
  parameters TEXT NOT NULL,
  result TEXT NOT NULL,
  previous_hash TEXT NOT NULL
);
)sql";

// Append-only (SR-72).
constexpr const char* kAuditTriggers = R"sql(
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
)sql";

// Version 2 (issue 9): the boards' identities, and the pulse outcome `not_delivered`
// written by reconciliation (a stored name an older build would not know).
constexpr const char* kVersion2 = R"sql(
CREATE TABLE boards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  board TEXT NOT NULL,
  serial TEXT NOT NULL,
  firmware TEXT NOT NULL
);
)sql";

// Version 3 (issue 10): operators' accounts in the store, the operator who armed for each
// pulse, and the audit log's own hash per entry (audit_chain.h).
constexpr const char* kVersion3 = R"sql(
CREATE TABLE operators (
  user TEXT PRIMARY KEY,
  pin_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL
);
ALTER TABLE pulses ADD COLUMN operator_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN row_hash TEXT NOT NULL DEFAULT '';
)sql";

// Entries written before version 3 had no chain: they are linked once, in the migration's
// transaction, the only time the triggers are lifted.
void chain_unchained_audit(SQLite::Database& db) {
  std::vector<AuditEntry> entries;
  SQLite::Statement read(db,
                         "SELECT id, at, role, user, route, parameters, result FROM audit "
                         "ORDER BY id");
  while (read.executeStep()) {
    AuditEntry& e = entries.emplace_back();
    e.id = static_cast<std::uint64_t>(read.getColumn(0).getInt64());
    e.at = read.getColumn(1).getInt64();
    e.role = read.getColumn(2).getString();
    e.user = read.getColumn(3).getString();
    e.route = read.getColumn(4).getString();
    e.parameters = read.getColumn(5).getString();
    e.result = read.getColumn(6).getString();
  }
  if (entries.empty()) {
    return;
  }
  db.exec("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;");
  std::string previous(kAuditChainStart);
  for (AuditEntry& e : entries) {
    link_audit_entry(e, e.id, previous);
    SQLite::Statement link(db, "UPDATE audit SET previous_hash = ?, row_hash = ? WHERE id = ?");
    link.bind(1, e.previous_hash);
    link.bind(2, e.row_hash);
    link.bind(3, static_cast<std::int64_t>(e.id));
    link.exec();
    previous = e.row_hash;
  }
  db.exec(kAuditTriggers);
}

// Version 4 (issue 9): a calibration record says which fixture measured it, whether it passed (a
// failed one is kept for the history and never in force) and how many runs it had; a
// session names the calibration record in force when it opened.
constexpr const char* kVersion4 = R"sql(
ALTER TABLE calibrations ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calibrations ADD COLUMN fixture_serial TEXT NOT NULL DEFAULT '';
ALTER TABLE calibrations ADD COLUMN fixture_meter_due_day INTEGER NOT NULL DEFAULT 0;
-- Version 1 stored only the calibrations that were put in force.
ALTER TABLE calibrations ADD COLUMN passed INTEGER NOT NULL DEFAULT 1;
ALTER TABLE calibrations ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE calibrations ADD COLUMN runs_passed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calibrations ADD COLUMN runs_failed INTEGER NOT NULL DEFAULT 0;

ALTER TABLE sessions ADD COLUMN calibration_id INTEGER;
)sql";

// Version 5 (issue 10): a session records the screening items answered YES (advisories
// included) and the reason for a session sooner than the course's minimum interval; the
// course is read by patient reference.
constexpr const char* kVersion5 = R"sql(
ALTER TABLE sessions ADD COLUMN screening_yes TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN course_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_patient ON sessions (patient_ref, opened_at);
)sql";

// Version 6: each pulse's cartridge, so a cartridge swapped mid-session is counted as its
// own (GET /service/counters).
constexpr const char* kVersion6 = R"sql(
ALTER TABLE pulses ADD COLUMN cartridge_serial TEXT NOT NULL DEFAULT '';
)sql";

}  // namespace

void migrate(SQLite::Database& db, int from) {
  if (from >= kSchemaVersion) {
    return;
  }
  SQLite::Transaction transaction(db);
  if (from < 1) {
    db.exec(kVersion1);
    db.exec(kAuditTriggers);
  }
  if (from < 2) {
    db.exec(kVersion2);
  }
  if (from < 3) {
    db.exec(kVersion3);
    chain_unchained_audit(db);
  }
  if (from < 4) {
    db.exec(kVersion4);
  }
  if (from < 5) {
    db.exec(kVersion5);
  }
  if (from < 6) {
    db.exec(kVersion6);
  }
  // PRAGMA takes no bound parameters.
  db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  transaction.commit();
}

}  // namespace rfneedle::daemon
