#include "controller/core/impedance_measurement.h"

#include <algorithm>

namespace rfneedle::core {

bool power_reachable(Milliwatts power, Ohms impedance, Millivolts voltage_limit,
                     int margin_tenths) {
  // P[W] ≤ V[V]² / (m·Z): P_mW · m_tenths · Z · 100 ≤ V_mV² (all in 64-bit integers).
  const std::int64_t lhs = power.value() * margin_tenths * impedance.value() * 100;
  const std::int64_t rhs = voltage_limit.value() * voltage_limit.value();
  return lhs <= rhs;
}

MeasurementVerdict ImpedanceMeasurement::update(Ohms sample, Milliwatts planned_power,
                                                const ImpedanceLimits& limits,
                                                const PowerLimits& power) {
  const bool inside = sample >= limits.min && sample <= limits.max;
  const bool was_inside = measured_ > Ohms{0};
  measured_ = inside ? (was_inside ? std::max(measured_, sample) : sample) : Ohms{0};
  if (out_of_window_.update(!inside, limits.samples)) {
    measured_ = sample;
    return MeasurementVerdict::kOutOfWindow;
  }
  if (!in_window_.update(inside, limits.samples)) {
    return MeasurementVerdict::kPending;
  }
  if (!power_reachable(planned_power, measured_, power.generator_voltage_limit,
                       limits.reachability_margin_tenths)) {
    return MeasurementVerdict::kUnreachable;
  }
  return MeasurementVerdict::kAccepted;
}

}  // namespace rfneedle::core
