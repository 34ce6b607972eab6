#include "controller/daemon/calibration_book.h"

#include <algorithm>
#include <string>

namespace rfneedle::daemon {

void CalibrationBook::restore(std::span<const CalibrationInForce> calibrations) {
  in_force_.assign(calibrations.begin(), calibrations.end());
}

std::optional<core::CalibrationRecord> CalibrationBook::in_force(
    const BoardSerial& generator) const {
  for (const CalibrationInForce& c : in_force_) {
    if (c.generator == generator) {
      return c.record;
    }
  }
  return std::nullopt;
}

void CalibrationBook::on_generator(std::string_view serial, core::Core& core, Instant now) {
  generator_ = BoardSerial(serial);
  core.restore_calibration(in_force(generator_), now);
}

core::Response CalibrationBook::complete(core::Core& core, std::int32_t today, Instant now,
                                         std::optional<CalibrationOutcome>& outcome) {
  const core::CalibrationProgress before = core.status().calibration_progress;
  const core::Response response = core.complete_calibration(today, now);
  const core::Status& after = core.status();
  if (before.passed + before.failed == 0 ||
      after.calibration_progress.passed + after.calibration_progress.failed != 0) {
    return response;  // no runs ended: nothing to record
  }
  CalibrationOutcome o;
  o.generator = generator_;
  o.passed = response.ok();
  o.reason = response.reason;
  o.runs_passed = before.passed;
  o.runs_failed = before.failed;
  if (response.ok() && after.calibration) {
    o.record = *after.calibration;
    auto it = std::find_if(in_force_.begin(), in_force_.end(),
                           [&](const CalibrationInForce& c) { return c.generator == generator_; });
    if (it == in_force_.end()) {
      in_force_.push_back(CalibrationInForce{generator_, o.record});
    } else {
      it->record = o.record;
    }
  } else {
    // Nothing changed: the record says when it was tried, and with which fixture.
    o.record.power_correction_ppm = 0;
    o.record.calibrated_day = today;
    o.record.due_day = 0;
    if (after.cartridge) {
      o.record.fixture_serial = after.cartridge->serial;
      o.record.fixture_meter_due_day = after.cartridge->meter_due_day;
    }
  }
  outcome = o;
  return response;
}

void CalibrationBook::stored(std::uint64_t id, const core::CalibrationRecord& record,
                             core::Core& core, Instant now) {
  const auto same = [&](const core::CalibrationRecord& r) {
    return r.record_id == 0 && r.power_correction_ppm == record.power_correction_ppm &&
           r.calibrated_day == record.calibrated_day && r.due_day == record.due_day;
  };
  for (CalibrationInForce& c : in_force_) {
    if (same(c.record)) {
      c.record.record_id = id;
    }
  }
  // The sessions opened from now on name the stored record (its values are unchanged).
  const std::optional<core::CalibrationRecord>& current = core.status().calibration;
  if (current && same(*current)) {
    core::CalibrationRecord with_id = *current;
    with_id.record_id = id;
    core.restore_calibration(with_id, now);
  }
}

StoredCalibration to_stored(const CalibrationOutcome& outcome, WallMs at) {
  StoredCalibration c;
  c.at = at;
  c.generator_serial = std::string(outcome.generator.view());
  c.passed = outcome.passed;
  c.reason = std::string(outcome.reason);
  c.runs_passed = outcome.runs_passed;
  c.runs_failed = outcome.runs_failed;
  c.record = outcome.record;
  return c;
}

}  // namespace rfneedle::daemon
