#include "simulator/model/generator.h"

#include <algorithm>
#include <cmath>

#include "simulator/model/physical.h"
#include "simulator/model/tissue.h"

namespace rfneedle::sim {

namespace {

// A load below this is treated as this, so a dead short gives a finite current.
constexpr double kMinimumLoadOhms = 0.1;

}  // namespace

GeneratorModel::GeneratorModel(const GeneratorConfig& config)
    : config_(config), noise_(config.seed) {}

double GeneratorModel::commanded_watts() const {
  if (stuck_on_) return watts_of(*stuck_on_);
  if (!output_enabled_) return 0.0;
  return std::max(0.0, watts_of(setpoint_));
}

void GeneratorModel::regulate(Duration dt, double commanded_w) {
  // Turning off gates the stage at once; turning on or up slews at full scale per ramp.
  if (commanded_w <= 0) {
    regulated_w_ = 0;
    return;
  }
  const double slope_w_per_s = commanded_w / seconds_of(config_.ramp);
  const double max_change = slope_w_per_s * seconds_of(dt);
  regulated_w_ += std::clamp(commanded_w - regulated_w_, -max_change, max_change);
}

void GeneratorModel::step(Duration dt, Ohms load) {
  regulate(dt, commanded_watts());
  const double z = std::max(ohms_of(load), kMinimumLoadOhms);
  const double v_max = volts_of(config_.voltage_limit);
  const double i_max = amps_of(config_.current_limit);
  // P = V^2 / Z and P = I^2 Z: the source cannot exceed either limit into this load.
  const double wanted = std::max(0.0, regulated_w_ * (1.0 + drift_));
  delivered_w_ = relay_closed_ ? std::min({wanted, v_max * v_max / z, i_max * i_max * z}) : 0.0;
  volts_ = std::sqrt(delivered_w_ * z);
  amps_ = std::sqrt(delivered_w_ / z);
  energy_j_ += delivered_w_ * seconds_of(dt);
  heatsink_.step(dt, to_milliwatts(delivered_w_));
  take_reading(load);
}

void GeneratorModel::take_reading(Ohms load) {
  if (delivered_w_ <= 0) {
    reading_ = GeneratorReading{Millivolts(0), Milliamps(0), probe_impedance(load), Milliwatts(0)};
    return;
  }
  const double v = volts_ * (1.0 + noise_.sample(config_.measurement_sigma));
  const double i = amps_ * (1.0 + noise_.sample(config_.measurement_sigma));
  reading_ =
      GeneratorReading{to_millivolts(v), to_milliamps(i), to_ohms(v / i), to_milliwatts(v * i)};
}

Ohms GeneratorModel::probe_impedance(Ohms load) {
  if (!relay_closed_) return kOpenCircuit;
  return to_ohms(ohms_of(load) * (1.0 + noise_.sample(config_.probe_sigma)));
}

Milliwatts GeneratorModel::delivered_power() const { return to_milliwatts(delivered_w_); }
Millivolts GeneratorModel::output_voltage() const { return to_millivolts(volts_); }
Milliamps GeneratorModel::output_current() const { return to_milliamps(amps_); }
Microjoules GeneratorModel::delivered_energy() const { return to_microjoules(energy_j_); }

}  // namespace rfneedle::sim
