// What only the file-backed store does: keep records across a restart, refuse a file it
// cannot trust, and keep the audit log append-only.
#include "controller/daemon/sqlite_store.h"

#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "controller/daemon/audit_chain.h"
#include "controller/daemon/sqlite_schema.h"
#include "tests/unit/daemon/store_test_support.h"

namespace rfneedle::daemon {
namespace {

using core::Condition;
using core::State;
using testing::fields;
using ::testing::HasSubstr;

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SqliteStoreFile : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> open() {
    SqliteStoreOpen opened = SqliteStore::open(path_);
    EXPECT_TRUE(opened.ok()) << opened.error;
    return std::move(opened.store);
  }
  // The same file, beside the store, as another program (or an attacker) would open it.
  SQLite::Database raw() { return SQLite::Database(path_, SQLite::OPEN_READWRITE); }

  testing::TempDir dir_;
  std::string path_ = dir_.file("store.db");
};

// Verifies: SR-68, SR-69
TEST_F(SqliteStoreFile, KeepsEveryRecordAcrossAReopen) {
  StoredEvent event = testing::event_at(1000, core::Severity::kWarningHigh);
  StoredLatch fault = testing::latch(State::kFault, Condition::kEnergyOverrun, 2000);
  SessionRecord session = testing::session_record(5);
  StoredPulse pulse = testing::finished_pulse(77, 5);
  AuditEntry entry = testing::audit_entry(3000, "/api/v1/arm");
  StoredCalibration calibration = testing::stored_calibration("GEN-7", 1'004'000, 19'500);
  {
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->append_event(event));
    ASSERT_TRUE(store->save_latch(fault));
    ASSERT_TRUE(store->open_session(session));
    ASSERT_TRUE(store->close_session(5, 4000, "interrupted"));
    ASSERT_TRUE(store->save_pulse(testing::started_pulse(77, 5)));
    ASSERT_TRUE(store->save_pulse(pulse));
    ASSERT_TRUE(store->save_calibration(calibration));
    ASSERT_TRUE(store->append_audit(entry));
    ASSERT_TRUE(store->add_operator(testing::operator_record("alice", 3500)));
  }
  std::unique_ptr<SqliteStore> store = open();
  ASSERT_TRUE(store);

  const std::vector<StoredEvent> events = store->events({});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(fields(events[0]), fields(event));
  const std::vector<StoredLatch> latches = store->active_latches();
  ASSERT_EQ(latches.size(), 1u);
  EXPECT_EQ(fields(latches[0]), fields(fault));
  session.closed_at = 4000;
  session.outcome = "interrupted";
  ASSERT_TRUE(store->session(5).has_value());
  EXPECT_EQ(fields(*store->session(5)), fields(session));
  EXPECT_EQ(store->last_session_id(), 5u);
  const std::vector<StoredPulse> pulses = store->pulses_of_session(5);
  ASSERT_EQ(pulses.size(), 1u);
  EXPECT_EQ(fields(pulses[0]), fields(pulse));
  EXPECT_EQ(store->last_pulse_id(), 77u);
  const std::vector<StoredCalibration> calibrations = store->calibrations_in_force();
  ASSERT_EQ(calibrations.size(), 1u);
  EXPECT_EQ(fields(calibrations[0]), fields(calibration));
  const std::vector<AuditEntry> audit = store->audit(0, 10);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(fields(audit[0]), fields(entry));
  ASSERT_EQ(store->operators().size(), 1u);
  EXPECT_EQ(fields(store->operators()[0]), fields(testing::operator_record("alice", 3500)));

  // IDs continue after a restart; none is handed out twice.
  StoredEvent next = testing::event_at(5000, core::Severity::kDiagnostic);
  ASSERT_TRUE(store->append_event(next));
  EXPECT_EQ(next.id, 2u);
}

// Verifies: SR-68
TEST_F(SqliteStoreFile, APulseIdReservationSurvivesAReopen) {
  {
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->reserve_pulse_ids(64));
  }
  std::unique_ptr<SqliteStore> store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->reserved_pulse_ids(), 64u);
  EXPECT_EQ(store->last_pulse_id(), 64u);
}

// Verifies: SR-69
TEST_F(SqliteStoreFile, WritesInWalModeAtThisBuildsSchemaVersion) {
  ASSERT_TRUE(open());
  SQLite::Database db = raw();
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), kSchemaVersion);
}

// A store as version 1 left it: no boards (version 2); no operators, no pulse operator and
// no audit row hash (version 3); calibrations without fixture, pass/fail and runs, and
// sessions without their calibration's ID (version 4); sessions without their screening
// answers and course reason, and no index by patient (version 5); pulses without their
// cartridge (version 6).
void back_to_version_1(SQLite::Database& db) {
  db.exec("ALTER TABLE pulses DROP COLUMN cartridge_serial");
  db.exec("DROP INDEX sessions_patient");
  db.exec("ALTER TABLE sessions DROP COLUMN screening_yes");
  db.exec("ALTER TABLE sessions DROP COLUMN course_reason");
  db.exec("DROP TABLE boards; DROP TABLE operators");
  db.exec("ALTER TABLE pulses DROP COLUMN operator_id");
  db.exec("ALTER TABLE audit DROP COLUMN row_hash");
  for (const char* column : {"at", "fixture_serial", "fixture_meter_due_day", "passed", "reason",
                             "runs_passed", "runs_failed"}) {
    db.exec(std::string("ALTER TABLE calibrations DROP COLUMN ") + column);
  }
  db.exec("ALTER TABLE sessions DROP COLUMN calibration_id");
  db.exec("PRAGMA user_version = 1");
}

TEST_F(SqliteStoreFile, MigratesAVersion1StoreKeepingItsRecords) {
  {
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->save_pulse(testing::finished_pulse(5, 1)));
  }
  {
    SQLite::Database db = raw();
    back_to_version_1(db);
  }
  std::unique_ptr<SqliteStore> store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(raw().execAndGet("PRAGMA user_version").getInt(), kSchemaVersion);
  StoredPulse before_version_3 = testing::finished_pulse(5, 1);
  before_version_3.operator_id = "";  // version 1 did not record it
  before_version_3.cartridge_serial = "";  // nor did version 5
  EXPECT_EQ(fields(*store->pulse(5)), fields(before_version_3));
  EXPECT_TRUE(store->save_board_identity({core::Board::kGenerator, "GEN-7", "1.4.2", 1}));
}

// Verifies: SR-66
TEST_F(SqliteStoreFile, MigratesAVersion1StoreAndKeepsItsCalibrationsInForce) {
  ASSERT_TRUE(open());
  {
    // Back to version 1's shape, with a calibration and a session it recorded.
    SQLite::Database db = raw();
    back_to_version_1(db);
    db.exec(
        "INSERT INTO calibrations (generator_serial, power_correction_ppm, calibrated_day, "
        "due_day) VALUES ('GEN-7', 1003000, 19500, 19682)");
    db.exec(
        "INSERT INTO sessions (id, patient_ref, operator_id, area, cartridge_serial, opened_at, "
        "outcome, software_version, configuration_hash, generator_firmware, generator_serial, "
        "actuator_firmware, actuator_serial, calibration_ppm, calibrated_day, "
        "calibration_due_day, override_reason) VALUES (4, 'P-4', 'alice', 'forehead', 'C1', 1, "
        "'closed', '', '', '', 'GEN-7', '', '', 1003000, 19500, 19682, '')");
  }
  std::unique_ptr<SqliteStore> store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(raw().execAndGet("PRAGMA user_version").getInt(), kSchemaVersion);
  const std::vector<StoredCalibration> in_force = store->calibrations_in_force();
  ASSERT_EQ(in_force.size(), 1u);
  EXPECT_EQ(in_force[0].generator_serial, "GEN-7");
  EXPECT_TRUE(in_force[0].passed);
  EXPECT_EQ(in_force[0].record.power_correction_ppm, 1'003'000);
  EXPECT_EQ(in_force[0].record.due_day, 19'682);
  const std::optional<SessionRecord> session = store->session(4);
  ASSERT_TRUE(session.has_value());
  ASSERT_TRUE(session->calibration.has_value());
  EXPECT_EQ(session->calibration->power_correction_ppm, 1'003'000);
  EXPECT_EQ(session->calibration->record_id, 0u);  // version 1 kept no reference
  // Version 5: the old session is part of its patient's course, with nothing answered YES.
  EXPECT_TRUE(session->screening_yes.empty());
  EXPECT_EQ(session->course_reason, "");
  const std::vector<CourseSession> course = store->course("P-4");
  ASSERT_EQ(course.size(), 1u);
  EXPECT_EQ(course[0].session.id, 4u);
  EXPECT_EQ(course[0].areas, std::vector<core::BodyArea>{core::BodyArea::kForehead});
}

TEST_F(SqliteStoreFile, RefusesANewerSchemaVersionAndLeavesTheFileAsItWas) {
  ASSERT_TRUE(open());
  raw().exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  const std::string before = contents(path_);

  const SqliteStoreOpen opened = SqliteStore::open(path_);
  EXPECT_FALSE(opened.ok());
  EXPECT_THAT(opened.error, HasSubstr(path_));
  EXPECT_THAT(opened.error,
              HasSubstr("schema version " + std::to_string(kSchemaVersion + 1) +
                        " is newer than this build's (" + std::to_string(kSchemaVersion) + ")"));
  EXPECT_EQ(contents(path_), before);
}

TEST_F(SqliteStoreFile, RefusesAFileThatIsNotAStore) {
  const std::string garbage(8192, '\x5a');
  std::ofstream(path_, std::ios::binary) << garbage;

  const SqliteStoreOpen opened = SqliteStore::open(path_);
  EXPECT_FALSE(opened.ok());
  EXPECT_THAT(opened.error, HasSubstr(path_));
  EXPECT_THAT(opened.error, HasSubstr("not a database"));
  EXPECT_EQ(contents(path_), garbage);
}

TEST_F(SqliteStoreFile, RefusesAStoreWhosePagesAreDamaged) {
  {
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_TRUE(store);
    for (int i = 0; i < 200; ++i) {
      StoredEvent e = testing::event_at(i, core::Severity::kDiagnostic);
      ASSERT_TRUE(store->append_event(e));
    }
  }
  std::string bytes = contents(path_);
  ASSERT_GT(bytes.size(), 4096u * 4);
  // The second half of the file: past the header and the schema's pages (written first),
  // over the events' b-tree pages.
  const std::size_t pages = bytes.size() / 4096;
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(4096 * (pages / 2)), bytes.end(), '\x5a');
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;

  const SqliteStoreOpen opened = SqliteStore::open(path_);
  EXPECT_FALSE(opened.ok());
  EXPECT_THAT(opened.error, HasSubstr(path_));
  EXPECT_THAT(opened.error, HasSubstr("quick_check failed"));
}

TEST_F(SqliteStoreFile, NamesTheFileItCannotOpen) {
  const std::string missing = dir_.file("no-such-dir/store.db");
  const SqliteStoreOpen opened = SqliteStore::open(missing);
  EXPECT_FALSE(opened.ok());
  EXPECT_THAT(opened.error, HasSubstr(missing));
}

// Verifies: SR-72
TEST_F(SqliteStoreFile, TheAuditLogRefusesUpdateAndDelete) {
  std::unique_ptr<SqliteStore> store = open();
  ASSERT_TRUE(store);
  AuditEntry entry = testing::audit_entry(100, "/api/v1/faults/reset");
  ASSERT_TRUE(store->append_audit(entry));

  SQLite::Database db = raw();
  EXPECT_THROW(db.exec("UPDATE audit SET result = '403'"), SQLite::Exception);
  EXPECT_THROW(db.exec("DELETE FROM audit"), SQLite::Exception);
  const std::vector<AuditEntry> audit = store->audit(0, 10);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(fields(audit[0]), fields(entry));
}

// What an attacker with the file could do: copy it, lift the triggers, change an entry.
// The chain shows where.
class TamperedAuditLog : public SqliteStoreFile {
 protected:
  void SetUp() override {
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_TRUE(store);
    for (WallMs at : {100, 200, 300, 400}) {
      AuditEntry e = testing::audit_entry(at, "/api/v1/arm");
      ASSERT_TRUE(store->append_audit(e));
    }
  }
  // A scratch copy of the store's file (and its WAL), changed by `sql` with the triggers
  // dropped, then the chain checked through a SqliteStore opened on the copy.
  AuditChainResult verify_copy_after(const std::string& sql) {
    const std::string copy = dir_.file("copy.db");
    {
      SQLite::Database db = raw();
      db.backup(copy.c_str(), SQLite::Database::Save);
    }
    {
      SQLite::Database scratch(copy, SQLite::OPEN_READWRITE);
      scratch.exec("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;");
      scratch.exec(sql);
    }
    SqliteStoreOpen opened = SqliteStore::open(copy);
    EXPECT_TRUE(opened.ok()) << opened.error;
    AuditChainCheck check;
    for (const AuditEntry& e : opened.store->audit(0, 100)) {
      check.add(e);
    }
    return check.result();
  }
};

// Verifies: SR-72
TEST_F(TamperedAuditLog, TheUntouchedCopyVerifies) {
  const AuditChainResult r = verify_copy_after("SELECT 1");
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.rows, 4u);
  EXPECT_EQ(r.first_bad_row, 0u);
}

// Verifies: SR-72
TEST_F(TamperedAuditLog, AChangedEntryIsTheFirstBadRow) {
  const AuditChainResult r =
      verify_copy_after("UPDATE audit SET result = '403 refused' WHERE id = 2");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.rows, 4u);
  EXPECT_EQ(r.first_bad_row, 2u);
  EXPECT_THAT(r.problem, HasSubstr("row_hash"));
}

// Verifies: SR-72
TEST_F(TamperedAuditLog, AChangedEntryWithItsHashRecomputedBreaksTheNextLink) {
  // Even with this entry's own hash made to match, the next one still names the old one.
  SQLite::Database db = raw();
  SQLite::Statement read(db,
                         "SELECT id, at, role, user, route, parameters, result, "
                         "previous_hash FROM audit WHERE id = 3");
  ASSERT_TRUE(read.executeStep());
  AuditEntry e{3,
               read.getColumn(1).getInt64(),
               read.getColumn(2).getString(),
               read.getColumn(3).getString(),
               read.getColumn(4).getString(),
               "{}",
               read.getColumn(6).getString(),
               read.getColumn(7).getString(),
               ""};
  const AuditChainResult r = verify_copy_after("UPDATE audit SET parameters = '{}', row_hash = '" +
                                               audit_row_hash(e) + "' WHERE id = 3");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_row, 4u);
  EXPECT_THAT(r.problem, HasSubstr("entry 3"));
}

// Verifies: SR-72
TEST_F(TamperedAuditLog, ARemovedEntryBreaksTheChainAfterIt) {
  const AuditChainResult r = verify_copy_after("DELETE FROM audit WHERE id = 2");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.rows, 3u);
  EXPECT_EQ(r.first_bad_row, 3u);
}

// Verifies: SR-72
TEST_F(TamperedAuditLog, RemovingTheFirstEntriesLeavesAnEntryThatDoesNotStartTheChain) {
  const AuditChainResult r = verify_copy_after("DELETE FROM audit WHERE id <= 2");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_row, 3u);
  EXPECT_THAT(r.problem, HasSubstr("start"));
}

// Verifies: SR-72
TEST_F(SqliteStoreFile, AVersion1FileIsMigratedWithItsAuditEntriesChained) {
  {
    // A version-1 file's audit table as version 1 wrote it, with two entries from before
    // the chain, and the tables later versions alter.
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(R"sql(
      CREATE TABLE pulses (pulse_id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL);
      CREATE TABLE sessions (id INTEGER PRIMARY KEY, patient_ref TEXT NOT NULL,
        opened_at INTEGER NOT NULL);
      CREATE TABLE calibrations (id INTEGER PRIMARY KEY AUTOINCREMENT,
        generator_serial TEXT NOT NULL);
      CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
        role TEXT NOT NULL, user TEXT NOT NULL, route TEXT NOT NULL,
        parameters TEXT NOT NULL, result TEXT NOT NULL, previous_hash TEXT NOT NULL);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
      INSERT INTO audit (at, role, user, route, parameters, result, previous_hash)
        VALUES (10, 'operator', 'alice', '/api/v1/arm', '', '200', ''),
               (20, 'service', 'service', '/api/v1/faults/reset', '{"reason":"x"}', '200', '');
      PRAGMA user_version = 1;
    )sql");
  }
  std::unique_ptr<SqliteStore> store = open();
  ASSERT_TRUE(store);
  AuditEntry next = testing::audit_entry(30, "/api/v1/disarm");
  ASSERT_TRUE(store->append_audit(next));
  AuditChainCheck check;
  for (const AuditEntry& e : store->audit(0, 10)) {
    check.add(e);
  }
  EXPECT_TRUE(check.result().ok) << check.result().problem;
  EXPECT_EQ(check.result().rows, 3u);
  SQLite::Database db = raw();
  EXPECT_THROW(db.exec("UPDATE audit SET result = '403'"), SQLite::Exception)
      << "the triggers are back";
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), kSchemaVersion);
}

TEST_F(SqliteStoreFile, AFailedWriteReturnsFalseAndAFailedReadEmpty) {
  std::unique_ptr<SqliteStore> store = open();
  ASSERT_TRUE(store);
  SQLite::Database db = raw();
  db.exec("DROP TABLE events; DROP TABLE pulses; DROP TABLE pulse_id_reservation");

  StoredEvent event = testing::event_at(1, core::Severity::kFatal);
  EXPECT_FALSE(store->append_event(event));
  EXPECT_TRUE(store->events({}).empty());
  EXPECT_FALSE(store->save_pulse(testing::started_pulse(1, 1)));
  EXPECT_TRUE(store->pulses_of_session(1).empty());
  EXPECT_FALSE(store->reserve_pulse_ids(8));
  EXPECT_EQ(store->reserved_pulse_ids(), 0u);
  EXPECT_EQ(store->last_pulse_id(), 0u);
  db.exec("DROP TABLE audit; DROP TABLE operators");
  EXPECT_FALSE(store->last_audit_id()) << "a failed read is not an empty log";
  AuditEntry entry = testing::audit_entry(1, "/api/v1/arm");
  EXPECT_FALSE(store->append_audit(entry));
  EXPECT_FALSE(store->add_operator(testing::operator_record("alice", 1)));
  EXPECT_TRUE(store->operators().empty());
}

}  // namespace
}  // namespace rfneedle::daemon
