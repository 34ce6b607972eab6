#include "simulator/model/actuator.h"

#include <algorithm>
#include <cmath>

#include "simulator/model/physical.h"

namespace rfneedle::sim {

namespace {

// The profile is integrated in 100 us substeps: at 200 mm/s that is 20 um, two encoder
// counts, so a 1 ms telemetry sample sees a smooth trapezoid.
constexpr Duration kSubstep = std::chrono::microseconds(100);
// A carriage further than this from where the motor drives it is blocked.
constexpr double kBlockedErrorCounts = 1.0;
// Closer than this to its target, the profile has arrived.
constexpr double kArrivedUm = 1e-3;

double sign(double x) { return x < 0 ? -1.0 : 1.0; }

}  // namespace

ActuatorModel::ActuatorModel(const ActuatorConfig& config)
    : config_(config),
      carriage_um_(static_cast<double>(config.power_on_position.value())),
      frame_offset_um_(static_cast<double>(config.power_on_position.value())) {}

void ActuatorModel::move_to(Micrometres target) {
  if (!enabled_) return;
  homing_ = false;
  target_um_ = static_cast<double>(target.value());
  profile_done_ = false;
}

void ActuatorModel::home() {
  if (!enabled_) return;
  homing_ = true;
  profile_done_ = false;
}

void ActuatorModel::set_enabled(bool enabled) {
  enabled_ = enabled;
  if (enabled) return;
  homing_ = false;
  profile_done_ = true;
  profile_speed_ = 0;
  carriage_speed_ = 0;
  // A de-energised motor holds no position: its count now is where the carriage is.
  profile_um_ = carriage_um_ - frame_offset_um_;
  target_um_ = profile_um_;
  blocked_for_ = Duration::zero();
}

void ActuatorModel::set_retraction_jammed(bool jammed) {
  if (jammed && !jammed_) jam_floor_um_ = carriage_um_;
  jammed_ = jammed;
}

void ActuatorModel::step(Duration dt) {
  if (!enabled_) return;
  Duration left = dt;
  while (left > Duration::zero()) {
    const Duration h = std::min(left, kSubstep);
    step_profile(seconds_of(h));
    step_carriage(seconds_of(h));
    blocked_for_ = blocked() ? blocked_for_ + h : Duration::zero();
    left -= h;
  }
}

void ActuatorModel::step_profile(double dt_s) {
  if (profile_done_) return;
  const double a = config_.acceleration_um_per_s2;
  if (homing_) {
    const double want = -config_.homing_speed_um_per_s;
    profile_speed_ += std::clamp(want - profile_speed_, -a * dt_s, a * dt_s);
    profile_um_ += profile_speed_ * dt_s;
    return;
  }
  const double remaining = target_um_ - profile_um_;
  const double direction = sign(remaining);
  const double speed = profile_speed_ * direction;  // along the way to the target
  // The fastest speed at the end of this substep from which braking at `a` still stops at
  // the target, with trapezoidal integration: (speed + v) dt / 2 + v^2 / 2a + v dt / 2
  // = remaining.
  const double half_step = 0.5 * dt_s;
  const double budget = std::abs(remaining) - speed * half_step;
  const double stoppable =
      budget > 0 ? a * (std::sqrt(half_step * half_step + 2.0 * budget / a) - half_step) : 0.0;
  const double next_speed = std::clamp(std::min(config_.max_speed_um_per_s, stoppable),
                                       speed - a * dt_s, speed + a * dt_s);
  profile_um_ += direction * 0.5 * (speed + next_speed) * dt_s;
  profile_speed_ = direction * next_speed;
  const double left = (target_um_ - profile_um_) * direction;
  if (left <= kArrivedUm || (left < 1.0 && next_speed <= a * dt_s)) {
    profile_um_ = target_um_;
    profile_speed_ = 0;
    profile_done_ = true;
  }
}

void ActuatorModel::step_carriage(double dt_s) {
  const double before = carriage_um_;
  double driven = profile_um_ + frame_offset_um_;
  if (stalled_) driven = carriage_um_;
  if (jammed_) driven = std::max(driven, jam_floor_um_);
  // The carriage follows the motor, no faster than the motor can drive it, between the
  // home stop and the end of travel.
  const double max_move = config_.max_speed_um_per_s * dt_s;
  carriage_um_ += std::clamp(driven - carriage_um_, -max_move, max_move);
  carriage_um_ = std::clamp(carriage_um_, 0.0, static_cast<double>(config_.travel.value()));
  carriage_speed_ = (carriage_um_ - before) / dt_s;

  if (homing_ && carriage_um_ <= 0.0) {
    // The home stop: both the motor and the encoder count from here.
    homing_ = false;
    homed_ = true;
    frame_offset_um_ = 0;
    profile_um_ = 0;
    target_um_ = 0;
    profile_speed_ = 0;
    profile_done_ = true;
  }
}

bool ActuatorModel::blocked() const {
  const double error = profile_um_ + frame_offset_um_ - carriage_um_;
  return std::abs(error) >
         kBlockedErrorCounts * static_cast<double>(config_.encoder_resolution.value());
}

Micrometres ActuatorModel::position() const { return Micrometres(rounded(carriage_um_)); }

Micrometres ActuatorModel::encoder_position() const {
  const double resolution = static_cast<double>(config_.encoder_resolution.value());
  const double counts = std::floor((carriage_um_ - frame_offset_um_) / resolution + 1e-9);
  return Micrometres(rounded(counts * resolution)) - Micrometres(encoder_slip_um_);
}

Micrometres ActuatorModel::motor_position() const { return Micrometres(rounded(profile_um_)); }

Milliamps ActuatorModel::motor_current() const {
  if (!enabled_) return Milliamps(0);
  if (blocked()) return config_.stall_current;
  if (!profile_done_) return config_.running_current;
  return config_.holding_current;
}

}  // namespace rfneedle::sim
