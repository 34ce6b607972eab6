#include "controller/core/impedance_measurement.h"

namespace rfneedle::core {

bool power_reachable(Milliwatts power, Ohms impedance, Millivolts voltage_limit,
                     int margin_tenths) {
  // P[W] ≤ V[V]² / (m·Z): P_mW · m_tenths · Z · 100 ≤ V_mV² (all in 64-bit integers).
  const std::int64_t lhs = power.value() * margin_tenths * impedance.value() * 100;
  const std::int64_t rhs = voltage_limit.value() * voltage_limit.value();
  return lhs <= rhs;
}

MeasurementVerdict judge_measurement(const ImpedanceReading& reading, Milliwatts planned_power,
                                     Millivolts voltage_limit, const ImpedanceLimits& limits) {
  if (reading.samples < static_cast<std::uint32_t>(limits.samples) || reading.min < limits.min ||
      reading.max > limits.max || reading.min > reading.max) {
    return MeasurementVerdict::kOutOfWindow;
  }
  if (!power_reachable(planned_power, reading.max, voltage_limit,
                       limits.reachability_margin_tenths)) {
    return MeasurementVerdict::kUnreachable;
  }
  return MeasurementVerdict::kAccepted;
}

}  // namespace rfneedle::core
