// The generator's low-level impedance measurement (DESIGN 3): the probe, no therapeutic
// energy. It needs the relay closed (the probe drives the output through it) but not the
// at-depth line: the self-test measures open circuit with the needles retracted (DESIGN 4,
// SR-65), and SR-08 is about therapeutic RF.
#include <algorithm>
#include <limits>

#include "simulator/firmware/generator_firmware.h"
#include "simulator/firmware/wire_ranges.h"

namespace rfneedle::sim {

device::ResultCode GeneratorFirmware::start_measurement(std::uint32_t command_id,
                                                        std::uint32_t duration_ms) {
  if (!within<std::uint32_t>(duration_ms, 1, 20)) {
    return device::RESULT_OUT_OF_RANGE;
  }
  if (hw_.lines.estop) {
    return device::RESULT_ESTOP;
  }
  if (latched()) {
    return device::RESULT_LATCHED;
  }
  if (pulse_ || measurement_) {
    return device::RESULT_BUSY;
  }
  if (!relay_closed_) {
    return device::RESULT_RELAY_OPEN;
  }
  measurement_ = Measurement{command_id, duration_ms};
  measurement_->min_ohm = std::numeric_limits<std::uint32_t>::max();
  return device::RESULT_OK;
}

void GeneratorFirmware::step_measurement(Ohms load) {
  if (!measurement_) {
    return;
  }
  Measurement& m = *measurement_;
  const double ratio = gain_.voltage / gain_.current;
  const std::uint32_t ohm = wire_ohm(Ohms(static_cast<std::int64_t>(
      static_cast<double>(hw_.output.probe_impedance(load).value()) * ratio)));
  live_impedance_ohm_ = ohm;
  m.sum_ohm += ohm;
  m.min_ohm = std::min(m.min_ohm, ohm);
  m.max_ohm = std::max(m.max_ohm, ohm);
  ++m.samples;
  if (m.samples < m.samples_wanted) {
    return;
  }
  device::CommandResult& reply = start_result(message_, m.command_id, device::RESULT_OK);
  device::ImpedanceMeasurement& impedance = *reply.mutable_impedance();
  impedance.set_impedance_ohm(static_cast<std::uint32_t>(m.sum_ohm / m.samples));
  impedance.set_impedance_min_ohm(m.min_ohm);
  impedance.set_impedance_max_ohm(m.max_ohm);
  impedance.set_sample_count(m.samples);
  measurement_.reset();
  (void)link_.send(message_, hal::Delivery::kReliable);
}

}  // namespace rfneedle::sim
