// The low-level impedance measurement before each pulse (DESIGN 4, SR-10): judged on the
// measurement's own result, never on telemetry. The needles are in tissue if every
// sample sat inside the window (min and max over at least `samples` samples), and the
// planned power must be reachable at 1.4 × the highest of them within the generator's
// voltage limit (P ≤ V² / (1.4·Z)), or the pulse is aborted before any therapeutic energy
// flows.
#pragma once

#include "controller/core/board_commands.h"
#include "controller/core/core_config.h"

namespace rfneedle::core {

enum class MeasurementVerdict : std::uint8_t { kAccepted, kOutOfWindow, kUnreachable };

[[nodiscard]] bool power_reachable(Milliwatts power, Ohms impedance, Millivolts voltage_limit,
                                   int margin_tenths);

// A measurement with fewer samples than the limits ask for did not run: out of window.
[[nodiscard]] MeasurementVerdict judge_measurement(const ImpedanceReading& reading,
                                                   Milliwatts planned_power,
                                                   Millivolts voltage_limit,
                                                   const ImpedanceLimits& limits);

}  // namespace rfneedle::core
