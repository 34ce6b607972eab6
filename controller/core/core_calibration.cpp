// Calibration requests (DESIGN 4, SR-66): Service only, fixture only, at most 2 J per
// pulse, ±10 % against the reference meter; a failure changes nothing.
#include "controller/core/core.h"

namespace rfneedle::core {

Response Core::calibrate(const CalibrationRequest& request, Instant now) {
  note_activity(now);
  if (state_ != State::kService) {
    return reject("calibration runs only in Service", now);
  }
  if (self_test_.running() || calibration_.running()) {
    return {ResponseCode::kBusy, {}, "a self-test or calibration is running"};
  }
  Response r = validate_calibration(request, config_);
  if (!r.ok()) {
    ++status_.counters.rejections;
    event(EventKind::kRequestRejected, Severity::kCommand, now, r.reason);
    return r;
  }
  calibration_.start(request, now);
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
      if (r.passed) {
        calibration_ppm_sum_ += r.correction_ppm;
        ++calibration_passes_;
      } else {
        calibration_failed_ = true;
        command_rf_off(false, now);  // and the withdrawal retracts the fixture contacts
      }
      return;
    }
    if (!s.command) {
      return;
    }
  }
}

Response Core::complete_calibration(std::int32_t today, Instant now) {
  note_activity(now);
  if (state_ != State::kService || calibration_.running()) {
    return reject("calibration completes only in Service, after its runs", now);
  }
  const bool usable = calibration_passes_ > 0 && !calibration_failed_;
  const std::int64_t sum = calibration_ppm_sum_;
  const int passes = calibration_passes_;
  calibration_ppm_sum_ = 0;
  calibration_passes_ = 0;
  calibration_failed_ = false;
  if (!usable) {
    return reject("a calibration run failed or none ran: nothing changed", now);
  }
  CalibrationRecord record;
  record.power_correction_ppm = static_cast<std::int32_t>(sum / passes);
  record.calibrated_day = today;
  record.due_day = today + config_.calibration.due_after_days;
  status_.calibration = record;
  const Envelope& e = config_.envelope;
  configure_generator(e.power_max, e.time_max, e.energy_per_needle * 49, now);
  event(EventKind::kCalibrationResult, Severity::kActivityHigh, now, "calibration stored",
        record.power_correction_ppm);
  return Response::accepted();
}

}  // namespace rfneedle::core
