// SqliteStore's calibration records (SR-66).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "controller/daemon/sqlite_rows.h"
#include "controller/daemon/sqlite_store.h"

namespace rfneedle::daemon {

using sqlite_rows::guarded;
using sqlite_rows::u64;

namespace {

constexpr const char* kCalibrationColumns =
    "id, at, generator_serial, passed, reason, runs_passed, runs_failed, power_correction_ppm, "
    "calibrated_day, due_day, fixture_serial, fixture_meter_due_day";

StoredCalibration read_calibration(SQLite::Statement& s) {
  StoredCalibration c;
  c.id = u64(s.getColumn(0).getInt64());
  c.at = s.getColumn(1).getInt64();
  c.generator_serial = s.getColumn(2).getString();
  c.passed = s.getColumn(3).getInt() != 0;
  c.reason = s.getColumn(4).getString();
  c.runs_passed = s.getColumn(5).getInt();
  c.runs_failed = s.getColumn(6).getInt();
  core::CalibrationRecord& r = c.record;
  r.power_correction_ppm = s.getColumn(7).getInt();
  r.calibrated_day = s.getColumn(8).getInt();
  r.due_day = s.getColumn(9).getInt();
  r.fixture_serial = core::CartridgeSerial(s.getColumn(10).getString());
  r.fixture_meter_due_day = s.getColumn(11).getInt();
  r.record_id = c.id;
  return c;
}

}  // namespace

bool SqliteStore::save_calibration(StoredCalibration& calibration) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(*db_, std::string("INSERT INTO calibrations (") + kCalibrationColumns +
                                  ") VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const core::CalibrationRecord& r = calibration.record;
    s.bind(1, calibration.at);
    s.bind(2, calibration.generator_serial);
    s.bind(3, calibration.passed ? 1 : 0);
    s.bind(4, calibration.reason);
    s.bind(5, calibration.runs_passed);
    s.bind(6, calibration.runs_failed);
    s.bind(7, r.power_correction_ppm);
    s.bind(8, r.calibrated_day);
    s.bind(9, r.due_day);
    s.bind(10, std::string(r.fixture_serial.view()));
    s.bind(11, r.fixture_meter_due_day);
    s.exec();
    calibration.id = u64(db_->getLastInsertRowid());
    calibration.record.record_id = calibration.id;
    return true;
  });
}

std::vector<StoredCalibration> SqliteStore::calibrations_in_force() {
  return guarded(last_error_, std::vector<StoredCalibration>{}, [&] {
    SQLite::Statement s(*db_, std::string("SELECT ") + kCalibrationColumns +
                                  " FROM calibrations WHERE id IN (SELECT max(id) FROM "
                                  "calibrations WHERE passed = 1 GROUP BY generator_serial) "
                                  "ORDER BY id");
    std::vector<StoredCalibration> found;
    while (s.executeStep()) {
      found.push_back(read_calibration(s));
    }
    return found;
  });
}

std::vector<StoredCalibration> SqliteStore::calibrations(std::uint32_t limit) {
  return guarded(last_error_, std::vector<StoredCalibration>{}, [&] {
    SQLite::Statement s(*db_, std::string("SELECT ") + kCalibrationColumns +
                                  " FROM calibrations ORDER BY id DESC LIMIT ?");
    s.bind(1, static_cast<std::int64_t>(limit));
    std::vector<StoredCalibration> found;
    while (s.executeStep()) {
      found.push_back(read_calibration(s));
    }
    return found;
  });
}

}  // namespace rfneedle::daemon
