// One of the two skin-contact thermistors in the tip face: it reads the skin-surface
// temperature through its own thermal lag, with noise, and can fail on its own (DESIGN 4:
// interlocks use the higher of the pair; SR-28 checks their plausibility).
#pragma once

#include <cstdint>

#include "hal/time.h"
#include "hal/units.h"
#include "simulator/model/measurement_noise.h"

namespace rfneedle::sim {

struct ThermistorConfig {
  // Engineering assumption: a chip NTC bonded behind a thin tip face, in contact with skin,
  // follows it with a 0.5 s time constant.
  Duration time_constant = std::chrono::milliseconds(500);
  // Datasheet-typical NTC + 12-bit ADC reading noise: 0.03 degC (1 sigma).
  double noise_celsius = 0.03;
  std::uint64_t seed = 1;
};

// Datasheet-typical conversion-table ends: an open NTC reads as the coldest entry, a
// shorted one as the hottest.
inline constexpr MilliCelsius kThermistorOpenReading{-40'000};
inline constexpr MilliCelsius kThermistorShortReading{150'000};

enum class ThermistorFault { kNone, kOpen, kShort, kStuck };

class SkinThermistor {
 public:
  // Starts settled at `initial` (the skin it touches at power-on).
  SkinThermistor(const ThermistorConfig& config, MilliCelsius initial);

  // Fault hooks. kStuck holds the reading it had when the fault began.
  void set_fault(ThermistorFault fault);
  // thermistor drift / pair-disagree: added to what the sensor would read.
  void set_offset(MilliCelsius offset) { offset_ = offset; }

  void step(Duration dt, MilliCelsius skin);

  [[nodiscard]] MilliCelsius reading() const { return reading_; }
  // The sensing element's own temperature, before noise, offset and faults.
  [[nodiscard]] double element_celsius() const { return element_celsius_; }

 private:
  ThermistorConfig config_;
  MeasurementNoise noise_;
  double element_celsius_;
  ThermistorFault fault_ = ThermistorFault::kNone;
  MilliCelsius offset_{0};
  MilliCelsius reading_;
};

}  // namespace rfneedle::sim
