#include "controller/core/calibration.h"

#include <algorithm>
#include <cstdlib>

namespace rfneedle::core {
namespace {

constexpr Duration kAnswerDeadline = milliseconds(50);
constexpr Duration kReadingDeadline = seconds(1);

}  // namespace

Response validate_calibration(const CalibrationRequest& r,
                              const std::optional<CartridgeInfo>& fixture,
                              const CoreConfig& config) {
  if (!fixture) {
    return Response::invalid("fixture", "no calibration fixture attached");
  }
  if (fixture->kind != CartridgeKind::kCalibrationFixture) {
    return Response::invalid("fixture", "RF for calibration goes only into a calibration fixture");
  }
  if (r.today <= 0) {
    return Response::invalid("today", "the controller's date is unknown");
  }
  // The reference must itself be in calibration; a date that cannot be checked fails.
  if (fixture->meter_due_day <= 0) {
    return Response::invalid("fixture",
                             "the fixture's memory holds no reference-meter calibration due date");
  }
  if (fixture->meter_due_day < r.today) {
    return Response::invalid("fixture",
                             "the fixture's reference meter is past its calibration due date");
  }
  const Envelope& e = config.envelope;
  if (r.power < e.power_min || r.power > e.power_max) {
    return Response::invalid("power", "outside the power envelope");
  }
  if (r.duration < e.time_min || r.duration > e.time_max) {
    return Response::invalid("duration", "outside the conduction time envelope");
  }
  if (energy(r.power, r.duration) > config.calibration.max_pulse_energy) {
    return Response::invalid("power", "a calibration pulse carries at most 2 J");
  }
  return Response::accepted();
}

void CalibrationRun::start(const CalibrationRequest& request, const CartridgeInfo& fixture,
                           Instant now) {
  *this = CalibrationRun{};
  request_ = request;
  fixture_ = fixture;
  phase_ = Phase::kSelectLoad;
  deadline_ = now;
}

CalibrationRun::Step CalibrationRun::fail(std::string_view reason) {
  phase_ = Phase::kIdle;
  CalibrationResult r;
  r.load_index = request_.load_index;
  r.reason = reason;
  r.generator_energy = delivered_;
  return Step{std::nullopt, r};
}

CalibrationRun::Step CalibrationRun::step(const GeneratorSample& g, const ActuatorSample& a,
                                          std::uint32_t epoch, Instant now,
                                          const CoreConfig& config) {
  const bool answered = last_result_.has_value();
  const bool refused = answered && last_result_->code != CommandResultCode::kOk;
  switch (phase_) {
    case Phase::kIdle:
      return {};
    case Phase::kSelectLoad:
      if (!sent_) {
        sent_ = true;
        deadline_ = now + kAnswerDeadline;
        return Step{CalibrationMeasurement{request_.load_index}, std::nullopt};
      }
      if (refused) return fail("the generator refused the reference load");
      if (answered && last_result_->kind == kind_of<CalibrationMeasurement>) {
        phase_ = Phase::kInsert;
        sent_ = false;
        last_result_.reset();
        return {};
      }
      if (now > deadline_) return fail("the generator did not answer");
      return {};
    case Phase::kInsert:
      if (!sent_) {
        sent_ = true;
        deadline_ = now + config.needle.insert_deadline;
        return Step{Insert{fixture_.max_depth}, std::nullopt};
      }
      if (a.at_depth_line) {
        phase_ = Phase::kEnergize;
        sent_ = false;
        return Step{Heartbeat{Board::kGenerator, true, epoch}, std::nullopt};
      }
      if (now > deadline_) return fail("the fixture contacts did not reach depth");
      return {};
    case Phase::kEnergize: {
      phase_ = Phase::kDelivering;
      last_result_.reset();
      deadline_ = now + config.link.pulse_expiry + config.link.gap_energizing;
      const std::uint64_t expiry =
          g.board_time_us + static_cast<std::uint64_t>(config.link.pulse_expiry.count());
      // The generator's own cap: the treatment pulses' margin over the plan (a pulse
      // that delivers its plan must not reach it), never above the 2 J calibration
      // ceiling (so a plan close to 2 J has less margin).
      const Microjoules plan = energy(request_.power, request_.duration);
      const Microjoules cap = std::min(plan * config.power.energy_overrun_percent / 100,
                                       config.calibration.max_pulse_energy);
      return Step{DeliverPulse{0, request_.power, request_.duration, cap, epoch, expiry},
                  std::nullopt};
    }
    case Phase::kDelivering:
      if (refused) return fail("the generator refused the calibration pulse");
      delivered_ = std::max(delivered_, g.energy);
      if (g.rf_active) {
        if (!rf_seen_) deadline_ = now + request_.duration + kAnswerDeadline;
        rf_seen_ = true;
        return {};
      }
      if (rf_seen_) {
        phase_ = Phase::kRetract;
        sent_ = false;
        return Step{Heartbeat{Board::kGenerator, false, epoch}, std::nullopt};
      }
      if (now > deadline_) return fail("RF did not start");
      return {};
    case Phase::kRetract:
      if (!sent_) {
        sent_ = true;
        deadline_ = now + config.needle.retract_deadline;
        return Step{Retract{}, std::nullopt};
      }
      if (!a.at_depth_line && a.encoder_position <= config.needle.position_tolerance) {
        // The meter is read for this pulse only now that it is over: the same load again,
        // so the fixture keeps the pulse's reading.
        phase_ = Phase::kAwaitReading;
        sent_ = true;
        last_result_.reset();
        reference_.reset();
        deadline_ = now + kReadingDeadline;
        return Step{CalibrationMeasurement{request_.load_index}, std::nullopt};
      }
      if (now > deadline_) return fail("the fixture contacts did not retract");
      return {};
    case Phase::kAwaitReading: {
      if (refused && last_result_->kind == kind_of<CalibrationMeasurement>) {
        return fail("the reference meter could not be read");
      }
      if (!reference_) {
        if (now > deadline_) return fail("no reading from the reference meter");
        return {};
      }
      phase_ = Phase::kIdle;
      CalibrationResult r;
      r.load_index = request_.load_index;
      r.generator_energy = delivered_;
      r.reference_energy = *reference_;
      if (reference_->value() <= 0 || delivered_.value() <= 0) {
        r.reason = "no energy measured";
        return Step{std::nullopt, r};
      }
      const std::int64_t diff = std::abs(delivered_.value() - reference_->value());
      if (diff * 100 > reference_->value() * config.calibration.tolerance_percent) {
        r.reason = "off the reference meter by more than the tolerance";
        return Step{std::nullopt, r};
      }
      r.passed = true;
      r.correction_ppm =
          static_cast<std::int32_t>(reference_->value() * 1'000'000 / delivered_.value());
      return Step{std::nullopt, r};
    }
  }
  return {};
}

}  // namespace rfneedle::core
