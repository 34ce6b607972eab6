#include "controller/core/pulse_monitor.h"

#include <algorithm>

namespace rfneedle::core {

void PulseMonitor::begin(Milliwatts set_power, Microjoules planned_energy, std::uint64_t pulse_id) {
  *this = PulseMonitor{};
  set_power_ = set_power;
  planned_ = planned_energy;
  pulse_id_ = pulse_id;
}

void PulseMonitor::account(const GeneratorSample& sample) {
  if (sample.pulse_id == pulse_id_) {
    delivered_ = std::max(delivered_, sample.energy);
  }
}

PulseMonitor::Verdict PulseMonitor::update(const GeneratorSample& sample, bool rf_on, Instant now,
                                           const ImpedanceLimits& impedance,
                                           const PowerLimits& power) {
  Verdict v;
  account(sample);
  v.energy_overrun = delivered_.value() * 100 > planned_.value() * power.energy_overrun_percent;
  if (!rf_on) {
    return v;
  }
  if (!rf_on_at_) {
    rf_on_at_ = now;
  }
  const Ohms z = sample.impedance;
  if (samples_ == 0 || z < min_) {
    min_ = z;
  }
  max_ = std::max(max_, z);
  sum_ += z.value();
  ++samples_;
  power_peak_ = std::max(power_peak_, sample.power);

  v.contact_lost = open_.update(z > impedance.max, impedance.samples);
  v.short_circuit = shorted_.update(z < impedance.min, impedance.samples);
  // Desiccation: tissue drying out raises impedance well above the pulse's minimum.
  v.desiccation = z.value() * 100 > min_.value() * (100 + impedance.desiccation_rise_percent) &&
                  z <= impedance.max;

  const bool ramping = now - *rf_on_at_ < power.ramp_blanking;
  const std::int64_t error = sample.power.value() - set_power_.value();
  const std::int64_t allowed = set_power_.value() * power.deviation_percent / 100;
  const bool off = !ramping && (error > allowed || error < -allowed);
  v.power_deviation = off_set_point_.update(off, now, power.deviation_time);
  return v;
}

}  // namespace rfneedle::core
