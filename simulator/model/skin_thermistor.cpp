#include "simulator/model/skin_thermistor.h"

#include "simulator/model/physical.h"

namespace rfneedle::sim {

SkinThermistor::SkinThermistor(const ThermistorConfig& config, MilliCelsius initial)
    : config_(config),
      noise_(config.seed),
      element_celsius_(celsius_of(initial)),
      reading_(initial) {}

void SkinThermistor::set_fault(ThermistorFault fault) { fault_ = fault; }

void SkinThermistor::step(Duration dt, MilliCelsius skin) {
  element_celsius_ +=
      (celsius_of(skin) - element_celsius_) * lag_fraction(dt, config_.time_constant);
  const double noisy = element_celsius_ + noise_.sample(config_.noise_celsius);
  switch (fault_) {
    case ThermistorFault::kOpen:
      reading_ = kThermistorOpenReading;
      return;
    case ThermistorFault::kShort:
      reading_ = kThermistorShortReading;
      return;
    case ThermistorFault::kStuck:
      return;
    case ThermistorFault::kNone:
      reading_ = to_millicelsius(noisy) + offset_;
      return;
  }
}

}  // namespace rfneedle::sim
