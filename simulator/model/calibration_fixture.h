// The calibration fixture (DESIGN 4, 5; SR-66): a cartridge-shaped load box carrying
// reference loads across the tissue range instead of needles, and a reference power meter
// that reads the power truly delivered into the selected load.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "hal/time.h"
#include "hal/units.h"
#include "simulator/model/measurement_noise.h"

namespace rfneedle::sim {

// Issue 4: reference loads across the tissue range. Non-inductive 1 % power resistors
// (datasheet-typical); the fixture's certificate gives their exact values, which the
// simulation takes as the nominal ones.
inline constexpr std::array<Ohms, 4> kReferenceLoads = {Ohms(100), Ohms(200), Ohms(400), Ohms(600)};

struct ReferenceMeterConfig {
  // Datasheet-typical RF power meter: +/-1 % calibration (gain) error and 0.2 % (1 sigma)
  // reading noise; the default gain error is a fixed +0.5 % so tests can predict it.
  double gain_error = 0.005;
  double noise_sigma = 0.002;
  std::uint64_t seed = 1;
};

class CalibrationFixture {
 public:
  explicit CalibrationFixture(const ReferenceMeterConfig& config = {});

  // Selects the reference load the generator's output is switched into; false (and no
  // change) for an index the fixture does not have.
  [[nodiscard]] bool select_load(std::size_t index);
  [[nodiscard]] std::size_t selected_load() const { return selected_; }
  [[nodiscard]] Ohms load() const { return kReferenceLoads[selected_]; }

  // The meter sees `true_power` into the load for `dt`.
  void step(Duration dt, Milliwatts true_power);
  [[nodiscard]] Milliwatts meter_power() const { return meter_power_; }
  // Energy the meter has integrated since the last reset.
  [[nodiscard]] Microjoules meter_energy() const;
  void reset_meter_energy() { meter_energy_j_ = 0; }

 private:
  ReferenceMeterConfig config_;
  MeasurementNoise noise_;
  std::size_t selected_ = 0;
  Milliwatts meter_power_{0};
  double meter_energy_j_ = 0;
};

}  // namespace rfneedle::sim
