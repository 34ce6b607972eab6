#include "simulator/model/calibration_fixture.h"

#include "simulator/model/physical.h"

namespace rfneedle::sim {

CalibrationFixture::CalibrationFixture(const ReferenceMeterConfig& config)
    : config_(config), noise_(config.seed) {}

bool CalibrationFixture::select_load(std::size_t index) {
  if (index >= kReferenceLoads.size()) return false;
  selected_ = index;
  return true;
}

void CalibrationFixture::step(Duration dt, Milliwatts true_power) {
  const double watts = watts_of(true_power);
  const double read = watts * (1.0 + config_.gain_error + noise_.sample(config_.noise_sigma));
  meter_power_ = to_milliwatts(read);
  meter_energy_j_ += read * seconds_of(dt);
}

Microjoules CalibrationFixture::meter_energy() const { return to_microjoules(meter_energy_j_); }

}  // namespace rfneedle::sim
