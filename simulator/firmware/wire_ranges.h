// Values clamped into the ranges device.proto documents for them (docs/protocol.md
// section 10): a board never sends a value outside its field's range.
#pragma once

#include <algorithm>
#include <cstdint>

#include "hal/units.h"

namespace rfneedle::sim {

inline constexpr std::uint64_t kMaxPulseId = 34'359'738'367;  // 2^35 - 1
inline constexpr std::uint32_t kOpenImpedanceOhm = 65'535;    // impedance_ohm: reads "open"

[[nodiscard]] inline std::uint32_t wire_ohm(Ohms z) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(z.value(), 0, kOpenImpedanceOhm));
}

[[nodiscard]] inline std::uint32_t wire_unsigned(std::int64_t value) {
  return static_cast<std::uint32_t>(std::max<std::int64_t>(value, 0));
}

// Clamped to [0, high].
[[nodiscard]] inline std::uint32_t wire_unsigned(std::int64_t value, std::uint32_t high) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(value, 0, high));
}

[[nodiscard]] inline std::int32_t wire_signed(std::int64_t value, std::int32_t low,
                                              std::int32_t high) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(value, low, high));
}

}  // namespace rfneedle::sim
