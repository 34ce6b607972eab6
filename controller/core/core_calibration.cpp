// Calibration requests (DESIGN 4, SR-66): Service only, fixture only, at most 2 J per
// pulse, ±10 % against the reference meter; a failure changes nothing.
#include "controller/core/core.h"

namespace rfneedle::core {
namespace {

// ConfigureGenerator's power_gain_ppm range (proto/device.proto): a correction the
// generator would refuse is never recorded.
constexpr std::int64_t kCorrectionMinPpm = 900'000;
constexpr std::int64_t kCorrectionMaxPpm = 1'100'000;

bool same_correction(const std::optional<CalibrationRecord>& a,
                     const std::optional<CalibrationRecord>& b) {
  if (!a || !b) {
    return a.has_value() == b.has_value();
  }
  return a->power_correction_ppm == b->power_correction_ppm &&
         a->calibrated_day == b->calibrated_day && a->due_day == b->due_day;
}

}  // namespace

Response Core::calibrate(const CalibrationRequest& request, Instant now) {
  note_activity(now);
  if (state_ != State::kService) {
    return reject("calibration runs only in Service", now);
  }
  if (self_test_.running() || calibration_.running()) {
    return {ResponseCode::kBusy, {}, "a self-test or calibration is running"};
  }
  Response r = validate_calibration(request, cartridge_, config_);
  if (r.ok() && calibration_fixture_ && !(*calibration_fixture_ == cartridge_->serial)) {
    // One record names one fixture: the runs of one calibration use the same one.
    r = Response::invalid("fixture",
                          "another fixture than the earlier runs': complete the calibration or "
                          "leave Service first");
  }
  if (!r.ok()) {
    ++status_.counters.rejections;
    event(EventKind::kRequestRejected, Severity::kCommand, now, r.reason);
    return r;
  }
  calibration_fixture_ = cartridge_->serial;
  // The generator's readings during the run already carry the correction in force: the
  // run's ratio corrects that correction.
  calibration_base_ppm_ =
      status_.calibration ? status_.calibration->power_correction_ppm : 1'000'000;
  status_.calibration_progress.running = true;
  calibration_.start(request, *cartridge_, now);
  run_calibration_steps(now);
  return r;
}

void Core::on_calibration_reading(Microjoules reference_energy, Instant now) {
  if (!calibration_.running()) {
    return;
  }
  calibration_.on_reference_reading(reference_energy);
  run_calibration_steps(now);
}

void Core::run_calibration_steps(Instant now) {
  for (int guard = 0; guard < 8 && calibration_.running(); ++guard) {
    const CalibrationRun::Step s = calibration_.step(generator_, actuator_, epoch_, now, config_);
    if (s.command) {
      if (const auto* pulse = std::get_if<DeliverPulse>(&*s.command)) {
        command_service_pulse(*pulse, PulseKind::kCalibration, now);
      } else {
        command(*s.command);
      }
    }
    if (s.result) {
      const CalibrationResult& r = *s.result;
      finish_service_pulse(
          r.generator_energy > Microjoules{0} ? PulseOutcome::kCompleted : PulseOutcome::kAborted,
          r.generator_energy);
      event(EventKind::kCalibrationResult,
            r.passed ? Severity::kActivityHigh : Severity::kWarningHigh, now,
            r.passed ? "calibration load within tolerance" : r.reason,
            r.passed ? r.correction_ppm : 0);
      count_calibration_run(r);
      if (!r.passed) {
        command_rf_off(false, now);  // and the withdrawal retracts the fixture contacts
      }
      return;
    }
    if (!s.command) {
      return;
    }
  }
}

void Core::count_calibration_run(const CalibrationResult& result) {
  CalibrationProgress& p = status_.calibration_progress;
  p.running = false;
  p.last = result;
  if (!result.passed) {
    ++p.failed;
    return;
  }
  ++p.passed;
  calibration_ppm_sum_ +=
      static_cast<std::int64_t>(calibration_base_ppm_) * result.correction_ppm / 1'000'000;
}

void Core::reset_calibration_runs() {
  CalibrationProgress& p = status_.calibration_progress;
  p.passed = 0;
  p.failed = 0;
  calibration_ppm_sum_ = 0;
  calibration_fixture_.reset();
}

Response Core::complete_calibration(std::int32_t today, Instant now) {
  note_activity(now);
  if (state_ != State::kService || calibration_.running()) {
    return reject("calibration completes only in Service, after its runs", now);
  }
  const CalibrationProgress runs = status_.calibration_progress;
  const std::optional<CartridgeSerial> fixture = calibration_fixture_;
  const std::int64_t sum = calibration_ppm_sum_;
  reset_calibration_runs();
  if (runs.passed == 0 || runs.failed > 0) {
    return reject("a calibration run failed or none ran: nothing changed", now);
  }
  if (!cartridge_ || cartridge_->kind != CartridgeKind::kCalibrationFixture || !fixture ||
      !(cartridge_->serial == *fixture)) {
    return reject("the fixture the runs used is not attached: nothing changed", now);
  }
  if (today <= 0 || cartridge_->meter_due_day < today) {
    return reject("the fixture's reference meter is past its calibration due date: nothing changed",
                  now);
  }
  const std::int64_t correction = sum / runs.passed;
  if (correction < kCorrectionMinPpm || correction > kCorrectionMaxPpm) {
    return reject("the correction is outside the generator's ±10 % range: nothing changed", now);
  }
  CalibrationRecord record;
  record.power_correction_ppm = static_cast<std::int32_t>(correction);
  record.calibrated_day = today;
  record.due_day = today + config_.calibration.due_after_days;
  record.fixture_serial = *fixture;
  record.fixture_meter_due_day = cartridge_->meter_due_day;
  status_.calibration = record;
  const Envelope& e = config_.envelope;
  configure_generator(e.power_max, e.time_max, e.energy_per_needle * 49, now);
  event(EventKind::kCalibrationResult, Severity::kActivityHigh, now, "calibration stored",
        record.power_correction_ppm);
  return Response::accepted();
}

void Core::restore_calibration(const std::optional<CalibrationRecord>& record, Instant now) {
  // The first restore says what is in force; later ones only what changed (another
  // generator, or the same one again after another).
  const bool changed = !calibration_restored_ || !same_correction(status_.calibration, record);
  calibration_restored_ = true;
  status_.calibration = record;
  if (!changed) {
    return;
  }
  if (record) {
    event(EventKind::kCalibrationResult, Severity::kActivityLow, now,
          "the generator's stored calibration is in force", record->power_correction_ppm);
    return;
  }
  // SR-66: a calibration belongs to the generator it was measured on.
  event(EventKind::kCalibrationResult, Severity::kWarningLow, now,
        "no calibration in force for this generator (none stored for its serial)");
}

}  // namespace rfneedle::core
