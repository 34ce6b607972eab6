// The generator's heatsink: heated by the output stage's losses, cooled by forced air to
// the room (first-order). Read by the generator's over-temperature cut-off (SR-20) and
// reported in telemetry (SR-27).
#pragma once

#include <optional>

#include "hal/time.h"
#include "hal/units.h"

namespace rfneedle::sim {

// Engineering assumption: a clinic room.
inline constexpr double kRoomCelsius = 25.0;
// Datasheet-typical for a fan-cooled extruded aluminium heatsink of a 50 W RF stage:
// 1 degC/W to the air, and a thermal time constant of about 2 minutes.
inline constexpr double kHeatsinkDegCPerWatt = 1.0;
inline constexpr Duration kHeatsinkTimeConstant = std::chrono::seconds(120);
// Datasheet-typical efficiency of a class-E RF stage at 1 MHz.
inline constexpr double kOutputStageEfficiency = 0.7;
// Engineering assumption: bias, gate drive and control electronics with RF off.
inline constexpr double kIdleDissipationWatts = 4.0;

// Fault hook: the heatsink heats toward `target` at `rate_per_s` (heatsink-overheat).
struct HeatsinkHeating {
  MilliCelsius target;
  MilliCelsius rate_per_s;
};

class HeatsinkModel {
 public:
  void set_forced_heating(std::optional<HeatsinkHeating> heating) { forced_ = heating; }
  void step(Duration dt, Milliwatts rf_output);
  [[nodiscard]] MilliCelsius temperature() const;
  [[nodiscard]] double celsius() const { return celsius_; }

 private:
  double celsius_ = kRoomCelsius;
  std::optional<HeatsinkHeating> forced_;
};

}  // namespace rfneedle::sim
