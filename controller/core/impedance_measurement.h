// The low-level impedance measurement before each pulse (DESIGN 4): the needles are in
// tissue if the impedance sits inside the window for consecutive samples, and the planned
// power must be reachable at 1.4 × that impedance within the generator's voltage limit
// (P ≤ V² / (1.4·Z)), or the pulse is aborted before any therapeutic energy flows.
#pragma once

#include "controller/core/core_config.h"
#include "controller/core/persistence.h"

namespace rfneedle::core {

enum class MeasurementVerdict : std::uint8_t { kPending, kAccepted, kOutOfWindow, kUnreachable };

[[nodiscard]] bool power_reachable(Milliwatts power, Ohms impedance, Millivolts voltage_limit,
                                   int margin_tenths);

class ImpedanceMeasurement {
 public:
  void begin() { *this = ImpedanceMeasurement{}; }
  [[nodiscard]] MeasurementVerdict update(Ohms sample, Milliwatts planned_power,
                                          const ImpedanceLimits& limits, const PowerLimits& power);
  // The impedance the verdict was based on (the higher of the deciding samples).
  [[nodiscard]] Ohms measured() const { return measured_; }

 private:
  ConsecutiveSamples in_window_;
  ConsecutiveSamples out_of_window_;
  Ohms measured_{};
};

}  // namespace rfneedle::core
