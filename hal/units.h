// Physical quantities as distinct types (DESIGN 2.6): an impedance cannot be passed where
// a power is expected. Integer representations match the wire fields of proto/device.proto
// (impedance_ohm, power_mw, energy_uj, depth_um, temp_mdegc, voltage_mv, current_ma).
#pragma once

#include <compare>
#include <cstdint>

#include "hal/time.h"

namespace rfneedle {

template <typename Tag, typename Rep = std::int64_t>
class Quantity {
 public:
  using rep = Rep;
  constexpr Quantity() = default;
  constexpr explicit Quantity(Rep value) : value_(value) {}
  [[nodiscard]] constexpr Rep value() const { return value_; }

  constexpr auto operator<=>(const Quantity&) const = default;
  constexpr Quantity operator+(Quantity other) const { return Quantity(value_ + other.value_); }
  constexpr Quantity operator-(Quantity other) const { return Quantity(value_ - other.value_); }
  constexpr Quantity& operator+=(Quantity other) {
    value_ += other.value_;
    return *this;
  }
  constexpr Quantity& operator-=(Quantity other) {
    value_ -= other.value_;
    return *this;
  }
  constexpr Quantity operator*(Rep factor) const { return Quantity(value_ * factor); }
  constexpr Quantity operator/(Rep divisor) const { return Quantity(value_ / divisor); }

 private:
  Rep value_{};
};

using Ohms = Quantity<struct OhmsTag>;
using Milliwatts = Quantity<struct MilliwattsTag>;
using Microjoules = Quantity<struct MicrojoulesTag>;
using Micrometres = Quantity<struct MicrometresTag>;
using MilliCelsius = Quantity<struct MilliCelsiusTag>;
using Millivolts = Quantity<struct MillivoltsTag>;
using Milliamps = Quantity<struct MilliampsTag>;

constexpr Ohms ohms(std::int64_t v) { return Ohms(v); }
constexpr Milliwatts watts(std::int64_t v) { return Milliwatts(v * 1000); }
constexpr Microjoules millijoules(std::int64_t v) { return Microjoules(v * 1000); }
constexpr Micrometres micrometres(std::int64_t v) { return Micrometres(v); }
constexpr MilliCelsius celsius(std::int64_t v) { return MilliCelsius(v * 1000); }

// Energy delivered at a constant power for a duration: mW x us = nJ, so divide by 1000.
constexpr Microjoules energy(Milliwatts power, Duration time) {
  return Microjoules(power.value() * time.count() / 1000);
}

}  // namespace rfneedle
