#include "simulator/model/heatsink.h"

#include <algorithm>

#include "simulator/model/physical.h"

namespace rfneedle::sim {

void HeatsinkModel::step(Duration dt, Milliwatts rf_output) {
  if (forced_) {
    const double max_change = celsius_of(forced_->rate_per_s) * seconds_of(dt);
    celsius_ += std::clamp(celsius_of(forced_->target) - celsius_, -max_change, max_change);
    return;
  }
  const double losses = kIdleDissipationWatts + watts_of(rf_output) *
                                                    (1.0 - kOutputStageEfficiency) /
                                                    kOutputStageEfficiency;
  const double settled = kRoomCelsius + losses * kHeatsinkDegCPerWatt;
  celsius_ += (settled - celsius_) * lag_fraction(dt, kHeatsinkTimeConstant);
}

MilliCelsius HeatsinkModel::temperature() const { return to_millicelsius(celsius_); }

}  // namespace rfneedle::sim
