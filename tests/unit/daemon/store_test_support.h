// What the store tests share: a temporary directory and the records they write.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <tuple>

#include "controller/daemon/memory_store.h"
#include "controller/daemon/sqlite_store.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon::testing {

// A fresh directory under gtest's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "rfneedle-store-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << pattern;
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] std::string file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline StoredEvent event_at(WallMs at, core::Severity severity) {
  StoredEvent e;
  e.at = at;
  e.kind = core::EventKind::kConditionRaised;
  e.severity = severity;
  e.priority = core::AlarmPriority::kMedium;
  e.condition = core::Condition::kSkinHot;
  e.state = core::State::kReady;
  e.text = "skin_hot";
  e.detail = "42.1 C";
  e.value = 42100;
  return e;
}

inline StoredLatch latch(core::State state, core::Condition cause, WallMs at) {
  StoredLatch l;
  l.latch.state = state;
  l.latch.cause = cause;
  l.at = at;
  return l;
}

// A correction measured on `day`, due 182 days later, with fixture FX-0042.
inline core::CalibrationRecord calibration_record(std::int32_t ppm, std::int32_t day) {
  core::CalibrationRecord r;
  r.power_correction_ppm = ppm;
  r.calibrated_day = day;
  r.due_day = day + 182;
  r.fixture_serial = core::CartridgeSerial("FX-0042");
  r.fixture_meter_due_day = day + 90;
  return r;
}

inline StoredCalibration stored_calibration(const std::string& generator, std::int32_t ppm,
                                            std::int32_t day, bool passed = true) {
  StoredCalibration c;
  c.at = WallMs{day} * 86'400'000;
  c.generator_serial = generator;
  c.passed = passed;
  c.reason = passed ? "" : "a calibration run failed or none ran: nothing changed";
  c.runs_passed = passed ? 4 : 3;
  c.runs_failed = passed ? 0 : 1;
  c.record = calibration_record(passed ? ppm : 0, day);
  if (!passed) {
    c.record.due_day = 0;
  }
  return c;
}

inline SessionRecord session_record(std::uint64_t id) {
  SessionRecord s;
  s.id = id;
  s.patient_ref = "P-" + std::to_string(id);
  s.operator_id = "alice";
  s.area = core::BodyArea::kForehead;
  s.cartridge_serial = "CART0001";
  s.opened_at = 1'700'000'000'000 + static_cast<WallMs>(id);
  s.outcome = "open";
  s.software_version = "0.1.0";
  s.configuration_hash = "cfg-hash";
  s.screening_yes = {"smoking_last_2_weeks"};
  s.generator_firmware = "sim-1.0.0";
  s.generator_serial = "GEN-7";
  s.actuator_firmware = "sim-1.0.0";
  s.actuator_serial = "ACT-3";
  s.calibration = calibration_record(1'012'000, 19'700);
  s.calibration->record_id = 3;
  s.override_reason = "reviewed by the physician";
  return s;
}

// A started record as the core emits it before the pulse command.
inline StoredPulse started_pulse(std::uint64_t pulse_id, std::uint64_t session_id) {
  StoredPulse p;
  p.record.pulse_id = pulse_id;
  p.record.session_id = session_id;
  p.record.set.power = watts(12);
  p.record.set.duration = milliseconds(80);
  p.record.set.depth = micrometres(1800);
  p.record.set.depth_confirmed = true;
  p.record.planned_energy = p.record.set.planned_energy();
  p.record.outcome = core::PulseOutcome::kStarted;
  p.started_at = 1'700'000'100'000 + static_cast<WallMs>(pulse_id);
  p.area = core::BodyArea::kNeck;
  return p;
}

inline StoredPulse finished_pulse(std::uint64_t pulse_id, std::uint64_t session_id) {
  StoredPulse p = started_pulse(pulse_id, session_id);
  p.record.delivered_energy = Microjoules(955'000);
  p.record.rf_time = microseconds(79'600);
  p.record.impedance_measured = ohms(210);
  p.record.impedance_min = ohms(190);
  p.record.impedance_mean = ohms(205);
  p.record.impedance_max = ohms(231);
  p.record.power_peak = Milliwatts(12'150);
  p.record.skin_peak = MilliCelsius(38'400);
  p.record.heatsink_peak = MilliCelsius(31'000);
  p.record.outcome = core::PulseOutcome::kEnded;
  p.record.cause = core::Condition::kDesiccation;
  p.operator_id = "alice";
  p.cartridge_serial = "CART0001";
  return p;
}

inline OperatorRecord operator_record(const std::string& user, WallMs at) {
  return OperatorRecord{user, "$argon2id$v=19$m=16384,t=3,p=1$c2FsdA$aGFzaA-" + user, false, at,
                        at};
}

inline AuditEntry audit_entry(WallMs at, const std::string& route) {
  return AuditEntry{0, at, "operator", "alice", route, R"j({"pin":"(redacted)"})j", "200", "", ""};
}

// Every stored field, comparable and printable.
inline auto fields(const StoredEvent& e) {
  return std::make_tuple(e.id, e.at, e.kind, e.severity, e.priority, e.condition, e.state, e.text,
                         e.detail, e.value);
}
inline auto fields(const StoredLatch& l) {
  return std::make_tuple(l.latch.state, l.latch.cause, l.at, l.cleared_by, l.reason);
}
// What a session keeps of its calibration: the correction, its days and its record's ID.
inline auto fields(const std::optional<core::CalibrationRecord>& c) {
  return c ? std::make_tuple(true, c->power_correction_ppm, c->calibrated_day, c->due_day,
                             c->record_id)
           : std::make_tuple(false, 0, 0, 0, std::uint64_t{0});
}
inline auto fields(const StoredCalibration& c) {
  const core::CalibrationRecord& r = c.record;
  return std::make_tuple(c.id, c.at, c.generator_serial, c.passed, c.reason, c.runs_passed,
                         c.runs_failed, r.power_correction_ppm, r.calibrated_day, r.due_day,
                         std::string(r.fixture_serial.view()), r.fixture_meter_due_day,
                         r.record_id);
}
inline auto fields(const SessionRecord& s) {
  return std::tuple_cat(
      std::make_tuple(s.id, s.patient_ref, s.operator_id, s.area, s.cartridge_serial, s.opened_at,
                      s.closed_at, s.outcome, s.software_version, s.configuration_hash),
      std::make_tuple(s.generator_firmware, s.generator_serial, s.actuator_firmware,
                      s.actuator_serial, s.override_reason, s.screening_yes, s.course_reason),
      fields(s.calibration));
}
inline auto fields(const StoredPulse& p) {
  const core::PulseRecord& r = p.record;
  return std::tuple_cat(
      std::make_tuple(r.pulse_id, r.kind, r.session_id, r.started.time_since_epoch().count(),
                      r.set.power.value(), r.set.duration.count(), r.set.depth.value(),
                      r.set.depth_confirmed, r.planned_energy.value(), r.delivered_energy.value(),
                      r.rf_time.count()),
      std::make_tuple(r.impedance_measured.value(), r.impedance_min.value(),
                      r.impedance_mean.value(), r.impedance_max.value(), r.power_peak.value(),
                      r.skin_peak.value(), r.heatsink_peak.value(), r.outcome, r.cause,
                      p.started_at, p.area, p.reconciled, p.operator_id,
                      p.cartridge_serial));
}
inline auto fields(const OperatorRecord& o) {
  return std::make_tuple(o.user, o.pin_hash, o.disabled, o.created_at, o.changed_at);
}
inline auto fields(const AuditEntry& a) {
  return std::make_tuple(a.id, a.at, a.role, a.user, a.route, a.parameters, a.result,
                         a.previous_hash, a.row_hash);
}

// The two stores the typed tests run against (the Store interface's two implementations).
struct InMemory {
  std::unique_ptr<Store> make() { return std::make_unique<MemoryStore>(); }
};

struct InSqlite {
  TempDir dir;
  std::unique_ptr<Store> make() {
    SqliteStoreOpen opened = SqliteStore::open(dir.file("store.db"));
    EXPECT_TRUE(opened.ok()) << opened.error;
    return std::move(opened.store);
  }
};

}  // namespace rfneedle::daemon::testing
