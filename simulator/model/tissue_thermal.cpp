#include "simulator/model/tissue_thermal.h"

#include <algorithm>

#include "simulator/model/physical.h"
#include "simulator/model/tissue_impedance.h"

namespace rfneedle::sim {

namespace {

// Explicit integration is stable and within 1 % of the exact response at this step for
// the 0.1 s tip pole.
constexpr Duration kMaxSubstep = std::chrono::microseconds(250);

}  // namespace

TissueThermalModel::TissueThermalModel(int needle_count)
    : needle_count_(needle_count),
      tip_celsius_(kTissueBaselineCelsius),
      bulk_celsius_(kTissueBaselineCelsius),
      skin_celsius_(kSkinBaselineCelsius) {}

void TissueThermalModel::set_needle_count(int needle_count) { needle_count_ = needle_count; }

void TissueThermalModel::relocate() {
  tip_celsius_ = bulk_celsius_;
  desiccation_ = 0;
}

void TissueThermalModel::step(Duration dt, Milliwatts delivered) {
  const double watts = needle_count_ > 0 ? watts_of(delivered) : 0.0;
  Duration left = dt;
  while (left > Duration::zero()) {
    const Duration h = std::min(left, kMaxSubstep);
    substep(seconds_of(h), watts);
    step_skin(h);
    left -= h;
  }
}

void TissueThermalModel::substep(double dt_s, double watts) {
  const double needles = static_cast<double>(std::max(needle_count_, 1));
  const double r_tip = kTipDegCPerWattPerNeedle / needles;
  const double c_tip = seconds_of(kTipTimeConstant) / r_tip;
  const double r_bulk = kBulkDegCPerWattPerNeedle / needles;
  const double c_bulk = seconds_of(kBulkTimeConstant) / r_bulk;

  const double tip_to_bulk_w = (tip_celsius_ - bulk_celsius_) / r_tip;
  const double bulk_to_body_w = (bulk_celsius_ - kTissueBaselineCelsius) / r_bulk;
  tip_celsius_ += dt_s * (watts - tip_to_bulk_w) / c_tip;
  bulk_celsius_ += dt_s * (tip_to_bulk_w - bulk_to_body_w) / c_bulk;

  const double boiling_excess = tip_celsius_ - kDesiccationOnsetCelsius;
  if (boiling_excess > 0) {
    desiccation_ = std::min(1.0, desiccation_ + dt_s * kDesiccationPerDegCSecond * boiling_excess);
  }
}

void TissueThermalModel::step_skin(Duration dt) {
  if (skin_heating_) {
    const double target = celsius_of(skin_heating_->target);
    const double max_change = celsius_of(skin_heating_->rate_per_s) * seconds_of(dt);
    skin_celsius_ += std::clamp(target - skin_celsius_, -max_change, max_change);
    return;
  }
  const double settled = kSkinBaselineCelsius + kSkinGain * (tip_celsius_ - kTissueBaselineCelsius);
  skin_celsius_ += (settled - skin_celsius_) * lag_fraction(dt, kSkinTimeConstant);
}

}  // namespace rfneedle::sim
