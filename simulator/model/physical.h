// Conversions between the wire-sized unit types of hal/units.h and the floating-point
// state the physical models integrate. The models keep their state in SI-like doubles so
// that small increments (a 1 ms step of a 10 s time constant) are not lost to integer
// rounding; only their readings are quantised to the unit types.
#pragma once

#include <cmath>
#include <cstdint>

#include "hal/time.h"
#include "hal/units.h"

namespace rfneedle::sim {

[[nodiscard]] inline double seconds_of(Duration d) { return static_cast<double>(d.count()) * 1e-6; }

[[nodiscard]] inline double ohms_of(Ohms z) { return static_cast<double>(z.value()); }
[[nodiscard]] inline double watts_of(Milliwatts p) { return static_cast<double>(p.value()) * 1e-3; }
[[nodiscard]] inline double celsius_of(MilliCelsius t) {
  return static_cast<double>(t.value()) * 1e-3;
}
[[nodiscard]] inline double millimetres_of(Micrometres x) {
  return static_cast<double>(x.value()) * 1e-3;
}
[[nodiscard]] inline double volts_of(Millivolts v) { return static_cast<double>(v.value()) * 1e-3; }
[[nodiscard]] inline double amps_of(Milliamps i) { return static_cast<double>(i.value()) * 1e-3; }

[[nodiscard]] inline std::int64_t rounded(double x) { return std::llround(x); }

[[nodiscard]] inline Ohms to_ohms(double ohm) { return Ohms(rounded(ohm)); }
[[nodiscard]] inline Milliwatts to_milliwatts(double watt) {
  return Milliwatts(rounded(watt * 1e3));
}
[[nodiscard]] inline Microjoules to_microjoules(double joule) {
  return Microjoules(rounded(joule * 1e6));
}
[[nodiscard]] inline MilliCelsius to_millicelsius(double degc) {
  return MilliCelsius(rounded(degc * 1e3));
}
[[nodiscard]] inline Micrometres to_micrometres(double millimetre) {
  return Micrometres(rounded(millimetre * 1e3));
}
[[nodiscard]] inline Millivolts to_millivolts(double volt) {
  return Millivolts(rounded(volt * 1e3));
}
[[nodiscard]] inline Milliamps to_milliamps(double amp) { return Milliamps(rounded(amp * 1e3)); }

// Fraction of the way a first-order lag with time constant `tau` moves toward its input in
// `dt`: exact for a constant input over the step, so it is stable for any step length.
[[nodiscard]] inline double lag_fraction(Duration dt, Duration tau) {
  if (tau.count() <= 0) return 1.0;
  return 1.0 - std::exp(-static_cast<double>(dt.count()) / static_cast<double>(tau.count()));
}

}  // namespace rfneedle::sim
