#include "controller/core/withdrawal.h"

namespace rfneedle::core {

void Withdrawal::begin(Instant rf_off_at) {
  // Under way: a second cause never restarts the count. Stuck: only a reset moves on,
  // the needles stay where they are (NeedleStuck: motor off).
  if (active() || phase_ == Phase::kStuck) {
    return;
  }
  const bool retracted = retracted_;
  *this = Withdrawal{};
  retracted_ = retracted;
  phase_ = Phase::kAwaitRfDrop;
  rf_off_at_ = rf_off_at;
}

void Withdrawal::on_generator(const GeneratorSample& sample, Milliwatts rf_on_threshold) {
  generator_rf_ = sample.rf_active || sample.power >= rf_on_threshold;
}

void Withdrawal::on_actuator(const ActuatorSample& sample, Micrometres tolerance) {
  actuator_rf_line_ = sample.rf_active_line;
  // Both position sources at home: an encoder that slipped must not pass for a retraction
  // (a check that did not run has failed).
  retracted_ = sample.encoder_position <= tolerance && sample.motor_position <= tolerance &&
               !sample.at_depth_line;
}

Withdrawal::Step Withdrawal::step(Instant now, bool generator_silent, const PowerLimits& power,
                                  const NeedleLimits& needle) {
  if (phase_ == Phase::kAwaitRfDrop) {
    // Samples from before the decision say nothing about RF after it. A silent generator
    // has run into its own dead-man (DESIGN 3); the actuator's line then decides alone,
    // whatever the generator's last sample (one still in flight at the decision) showed.
    const bool generator_off = generator_silent || (generator_rf_.has_value() && !*generator_rf_);
    const bool line_off = actuator_rf_line_.has_value() && !*actuator_rf_line_;
    if (generator_off && line_off) {
      phase_ = Phase::kRetracting;
      retract_deadline_ = now + needle.retract_deadline;
      attempts_ = 1;
      return Step::kRfDropped;
    }
    if (!rf_still_active_reported_ && now - rf_off_at_ >= power.rf_off_deadline) {
      rf_still_active_reported_ = true;
      return Step::kRfStillActive;
    }
    return Step::kNone;
  }
  if (phase_ != Phase::kRetracting) {
    return Step::kNone;
  }
  if (retracted_) {
    phase_ = Phase::kIdle;
    return Step::kRetracted;
  }
  if (now <= retract_deadline_) {
    return Step::kNone;
  }
  if (attempts_ > needle.retract_retries) {
    phase_ = Phase::kStuck;
    return Step::kStuck;
  }
  ++attempts_;
  retract_deadline_ = now + needle.retract_deadline;
  return Step::kRetryRetract;
}

}  // namespace rfneedle::core
