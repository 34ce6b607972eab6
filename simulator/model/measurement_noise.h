// Seeded Gaussian measurement noise. Each model owns its own generator, seeded from the
// simulator's seed, so adding a reading to one model never shifts another model's noise and
// the same seed gives the same readings.
#pragma once

#include <cstdint>
#include <random>

namespace rfneedle::sim {

class MeasurementNoise {
 public:
  explicit MeasurementNoise(std::uint64_t seed) : engine_(seed) {}

  // A sample of zero-mean noise with standard deviation `sigma` (any unit).
  [[nodiscard]] double sample(double sigma) {
    if (sigma <= 0) return 0.0;
    return sigma * standard_normal_(engine_);
  }

 private:
  std::mt19937_64 engine_;
  std::normal_distribution<double> standard_normal_{0.0, 1.0};
};

}  // namespace rfneedle::sim
