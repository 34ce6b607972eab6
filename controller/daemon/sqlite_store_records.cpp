// SqliteStore's treatment records: sessions, pulses and the boards' identities.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>

#include "controller/daemon/sqlite_rows.h"
#include "controller/daemon/sqlite_store.h"

namespace rfneedle::daemon {

using sqlite_rows::bind_name;
using sqlite_rows::guarded;
using sqlite_rows::i64;
using sqlite_rows::read_name;
using sqlite_rows::read_optional_name;
using sqlite_rows::u64;

namespace {

constexpr const char* kSessionColumns =
    "id, patient_ref, operator_id, area, cartridge_serial, opened_at, closed_at, outcome, "
    "software_version, configuration_hash, generator_firmware, generator_serial, "
    "actuator_firmware, actuator_serial, calibration_ppm, calibrated_day, calibration_due_day, "
    "override_reason, calibration_id, screening_yes, course_reason";

constexpr const char* kPulseColumns =
    "pulse_id, session_id, kind, started_at, area, set_power_mw, set_duration_us, "
    "set_depth_um, depth_confirmed, planned_energy_uj, delivered_energy_uj, rf_time_us, "
    "impedance_measured_ohm, impedance_min_ohm, impedance_mean_ohm, impedance_max_ohm, "
    "power_peak_mw, skin_peak_mdegc, heatsink_peak_mdegc, outcome, cause, reconciled, "
    "operator_id, cartridge_serial";

StoredPulse read_pulse(SQLite::Statement& s) {
  StoredPulse p;
  core::PulseRecord& r = p.record;
  auto integer = [&](int column) { return s.getColumn(column).getInt64(); };
  r.pulse_id = u64(integer(0));
  r.session_id = u64(integer(1));
  r.kind = read_name(s.getColumn(2), core::PulseKind::kTreatment);
  p.started_at = integer(3);
  p.area = read_name(s.getColumn(4), core::BodyArea::kCheek);
  r.set.power = Milliwatts(integer(5));
  r.set.duration = Duration(integer(6));
  r.set.depth = Micrometres(integer(7));
  r.set.depth_confirmed = integer(8) != 0;
  r.planned_energy = Microjoules(integer(9));
  r.delivered_energy = Microjoules(integer(10));
  r.rf_time = Duration(integer(11));
  r.impedance_measured = Ohms(integer(12));
  r.impedance_min = Ohms(integer(13));
  r.impedance_mean = Ohms(integer(14));
  r.impedance_max = Ohms(integer(15));
  r.power_peak = Milliwatts(integer(16));
  r.skin_peak = MilliCelsius(integer(17));
  r.heatsink_peak = MilliCelsius(integer(18));
  r.outcome = read_name(s.getColumn(19), core::PulseOutcome::kFaulted);
  r.cause = read_optional_name(s.getColumn(20), core::Condition::kInternalInvariant);
  p.reconciled = integer(21) != 0;
  p.operator_id = s.getColumn(22).getString();
  p.cartridge_serial = s.getColumn(23).getString();
  return p;
}

// The screening items answered YES, as one column: ids never hold a comma (config_loader).
std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    out += out.empty() ? id : "," + id;
  }
  return out;
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from < text.size()) {
    const std::size_t comma = std::min(text.find(',', from), text.size());
    out.push_back(text.substr(from, comma - from));
    from = comma + 1;
  }
  return out;
}

SessionRecord read_session(SQLite::Statement& s) {
  SessionRecord r;
  r.id = u64(s.getColumn(0).getInt64());
  r.patient_ref = s.getColumn(1).getString();
  r.operator_id = s.getColumn(2).getString();
  r.area = read_name(s.getColumn(3), core::BodyArea::kCheek);
  r.cartridge_serial = s.getColumn(4).getString();
  r.opened_at = s.getColumn(5).getInt64();
  if (!s.getColumn(6).isNull()) {
    r.closed_at = s.getColumn(6).getInt64();
  }
  r.outcome = s.getColumn(7).getString();
  r.software_version = s.getColumn(8).getString();
  r.configuration_hash = s.getColumn(9).getString();
  r.generator_firmware = s.getColumn(10).getString();
  r.generator_serial = s.getColumn(11).getString();
  r.actuator_firmware = s.getColumn(12).getString();
  r.actuator_serial = s.getColumn(13).getString();
  if (!s.getColumn(14).isNull()) {
    core::CalibrationRecord& c = r.calibration.emplace();
    c.power_correction_ppm = s.getColumn(14).getInt();
    c.calibrated_day = s.getColumn(15).getInt();
    c.due_day = s.getColumn(16).getInt();
    // The rest of the record is in `calibrations`, under this ID.
    c.record_id = s.getColumn(18).isNull() ? 0 : u64(s.getColumn(18).getInt64());
  }
  r.override_reason = s.getColumn(17).getString();
  r.screening_yes = split_ids(s.getColumn(19).getString());
  r.course_reason = s.getColumn(20).getString();
  return r;
}

}  // namespace

bool SqliteStore::open_session(const SessionRecord& session) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(
        *db_, std::string("INSERT INTO sessions (") + kSessionColumns +
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, i64(session.id));
    s.bind(2, session.patient_ref);
    s.bind(3, session.operator_id);
    bind_name(s, 4, session.area);
    s.bind(5, session.cartridge_serial);
    s.bind(6, session.opened_at);
    if (session.closed_at) {
      s.bind(7, *session.closed_at);
    }
    s.bind(8, session.outcome);
    s.bind(9, session.software_version);
    s.bind(10, session.configuration_hash);
    s.bind(11, session.generator_firmware);
    s.bind(12, session.generator_serial);
    s.bind(13, session.actuator_firmware);
    s.bind(14, session.actuator_serial);
    if (session.calibration) {
      s.bind(15, session.calibration->power_correction_ppm);
      s.bind(16, session.calibration->calibrated_day);
      s.bind(17, session.calibration->due_day);
      if (session.calibration->record_id != 0) {
        s.bind(19, i64(session.calibration->record_id));
      }
    }
    s.bind(18, session.override_reason);
    s.bind(20, join_ids(session.screening_yes));
    s.bind(21, session.course_reason);
    s.exec();
    return true;
  });
}

bool SqliteStore::close_session(std::uint64_t id, WallMs at, const std::string& outcome) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(*db_, "UPDATE sessions SET closed_at = ?, outcome = ? WHERE id = ?");
    s.bind(1, at);
    s.bind(2, outcome);
    s.bind(3, i64(id));
    return s.exec() == 1;
  });
}

bool SqliteStore::reopen_session(std::uint64_t id) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(*db_,
                        "UPDATE sessions SET closed_at = NULL, outcome = 'open' WHERE id = ?");
    s.bind(1, i64(id));
    return s.exec() == 1;
  });
}

std::vector<SessionRecord> SqliteStore::sessions(std::uint32_t limit) {
  return guarded(last_error_, std::vector<SessionRecord>{}, [&] {
    SQLite::Statement s(
        *db_, std::string("SELECT ") + kSessionColumns + " FROM sessions ORDER BY id DESC LIMIT ?");
    s.bind(1, static_cast<std::int64_t>(limit));
    std::vector<SessionRecord> found;
    while (s.executeStep()) {
      found.push_back(read_session(s));
    }
    return found;
  });
}

std::optional<SessionRecord> SqliteStore::session(std::uint64_t id) {
  return guarded(last_error_, std::optional<SessionRecord>{}, [&] {
    SQLite::Statement s(*db_,
                        std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?");
    s.bind(1, i64(id));
    std::optional<SessionRecord> found;
    if (s.executeStep()) {
      found = read_session(s);
    }
    return found;
  });
}

std::vector<CourseSession> SqliteStore::course(const std::string& patient_ref) {
  return guarded(last_error_, std::vector<CourseSession>{}, [&] {
    SQLite::Statement s(*db_, std::string("SELECT ") + kSessionColumns +
                                  " FROM sessions WHERE patient_ref = ? ORDER BY opened_at, id");
    s.bind(1, patient_ref);
    std::vector<CourseSession> found;
    while (s.executeStep()) {
      CourseSession c;
      c.session = read_session(s);
      c.areas.push_back(c.session.area);
      found.push_back(std::move(c));
    }
    SQLite::Statement areas(*db_, "SELECT DISTINCT area FROM pulses WHERE session_id = ?");
    for (CourseSession& c : found) {
      areas.reset();
      areas.bind(1, i64(c.session.id));
      while (areas.executeStep()) {
        const core::BodyArea area = read_name(areas.getColumn(0), c.session.area);
        if (std::find(c.areas.begin(), c.areas.end(), area) == c.areas.end()) {
          c.areas.push_back(area);
        }
      }
    }
    return found;
  });
}

std::uint64_t SqliteStore::last_session_id() {
  return guarded(last_error_, std::uint64_t{0}, [&] {
    return u64(db_->execAndGet("SELECT coalesce(max(id), 0) FROM sessions").getInt64());
  });
}

bool SqliteStore::save_pulse(const StoredPulse& pulse) {
  return guarded(last_error_, false, [&] {
    // One row per pulse ID: the final record replaces the started one (SR-69).
    SQLite::Statement s(
        *db_,
        "INSERT OR REPLACE INTO pulses (pulse_id, session_id, kind, started_at, area, "
        "set_power_mw, set_duration_us, set_depth_um, depth_confirmed, planned_energy_uj, "
        "delivered_energy_uj, rf_time_us, impedance_measured_ohm, impedance_min_ohm, "
        "impedance_mean_ohm, impedance_max_ohm, power_peak_mw, skin_peak_mdegc, "
        "heatsink_peak_mdegc, outcome, cause, reconciled, operator_id, cartridge_serial) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const core::PulseRecord& r = pulse.record;
    s.bind(1, i64(r.pulse_id));
    s.bind(2, i64(r.session_id));
    bind_name(s, 3, r.kind);
    s.bind(4, pulse.started_at);
    bind_name(s, 5, pulse.area);
    s.bind(6, r.set.power.value());
    s.bind(7, r.set.duration.count());
    s.bind(8, r.set.depth.value());
    s.bind(9, r.set.depth_confirmed ? 1 : 0);
    s.bind(10, r.planned_energy.value());
    s.bind(11, r.delivered_energy.value());
    s.bind(12, r.rf_time.count());
    s.bind(13, r.impedance_measured.value());
    s.bind(14, r.impedance_min.value());
    s.bind(15, r.impedance_mean.value());
    s.bind(16, r.impedance_max.value());
    s.bind(17, r.power_peak.value());
    s.bind(18, r.skin_peak.value());
    s.bind(19, r.heatsink_peak.value());
    bind_name(s, 20, r.outcome);
    bind_name(s, 21, r.cause);
    s.bind(22, pulse.reconciled ? 1 : 0);
    s.bind(23, pulse.operator_id);
    s.bind(24, pulse.cartridge_serial);
    s.exec();
    return true;
  });
}

std::vector<StoredPulse> SqliteStore::pulses_of_session(std::uint64_t session_id) {
  return guarded(last_error_, std::vector<StoredPulse>{}, [&] {
    SQLite::Statement s(*db_, std::string("SELECT ") + kPulseColumns +
                                  " FROM pulses WHERE session_id = ? ORDER BY pulse_id");
    s.bind(1, i64(session_id));
    std::vector<StoredPulse> found;
    while (s.executeStep()) {
      found.push_back(read_pulse(s));
    }
    return found;
  });
}

std::optional<StoredPulse> SqliteStore::pulse(std::uint64_t pulse_id) {
  return guarded(last_error_, std::optional<StoredPulse>{}, [&] {
    SQLite::Statement s(*db_,
                        std::string("SELECT ") + kPulseColumns + " FROM pulses WHERE pulse_id = ?");
    s.bind(1, i64(pulse_id));
    std::optional<StoredPulse> found;
    if (s.executeStep()) {
      found = read_pulse(s);
    }
    return found;
  });
}

std::vector<StoredPulse> SqliteStore::pulses_from(std::uint64_t from_pulse_id,
                                                  std::uint32_t limit) {
  return guarded(last_error_, std::vector<StoredPulse>{}, [&] {
    SQLite::Statement s(*db_, std::string("SELECT ") + kPulseColumns +
                                  " FROM pulses WHERE pulse_id >= ? ORDER BY pulse_id LIMIT ?");
    s.bind(1, i64(from_pulse_id));
    s.bind(2, static_cast<std::int64_t>(limit));
    std::vector<StoredPulse> found;
    while (s.executeStep()) {
      found.push_back(read_pulse(s));
    }
    return found;
  });
}

std::optional<std::uint64_t> SqliteStore::first_started_pulse_id() {
  return guarded(last_error_, std::optional<std::uint64_t>{}, [&] {
    SQLite::Statement s(*db_, "SELECT min(pulse_id) FROM pulses WHERE outcome = ?");
    s.bind(1, std::string(stored_name(core::PulseOutcome::kStarted)));
    std::optional<std::uint64_t> found;
    if (s.executeStep() && !s.getColumn(0).isNull()) {
      found = u64(s.getColumn(0).getInt64());
    }
    return found;
  });
}

std::uint64_t SqliteStore::last_stored_pulse_id() {
  return guarded(last_error_, std::uint64_t{0}, [&] {
    return u64(db_->execAndGet("SELECT coalesce(max(pulse_id), 0) FROM pulses").getInt64());
  });
}

bool SqliteStore::save_board_identity(const BoardIdentity& identity) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(*db_,
                        "INSERT INTO boards (at, board, serial, firmware) VALUES (?, ?, ?, ?)");
    s.bind(1, identity.seen_at);
    bind_name(s, 2, identity.board);
    s.bind(3, identity.serial);
    s.bind(4, identity.firmware);
    s.exec();
    return true;
  });
}

std::optional<BoardIdentity> SqliteStore::board_identity(core::Board board) {
  return guarded(last_error_, std::optional<BoardIdentity>{}, [&] {
    SQLite::Statement s(*db_,
                        "SELECT at, serial, firmware FROM boards WHERE board = ? "
                        "ORDER BY id DESC LIMIT 1");
    s.bind(1, std::string(stored_name(board)));
    std::optional<BoardIdentity> found;
    if (s.executeStep()) {
      found = BoardIdentity{board, s.getColumn(1).getString(), s.getColumn(2).getString(),
                            s.getColumn(0).getInt64()};
    }
    return found;
  });
}

}  // namespace rfneedle::daemon
