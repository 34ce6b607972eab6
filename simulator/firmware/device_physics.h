// The physical world behind both simulated boards (DESIGN 5): the generator's output
// stage, the tissue under the handpiece, the needle actuator, trigger, skin thermistors,
// cartridge slot and calibration fixture, stepped together, with the model-layer faults of
// the catalogue applied through the models' hooks. An adapter over simulator/model/: no
// aggregate of these models existed when it was written.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "hal/time.h"
#include "hal/units.h"
#include "simulator/faults.h"
#include "simulator/firmware/actuator_firmware.h"
#include "simulator/model/actuator.h"
#include "simulator/model/calibration_fixture.h"
#include "simulator/model/cartridge.h"
#include "simulator/model/generator.h"
#include "simulator/model/skin_thermistor.h"
#include "simulator/model/tissue.h"
#include "simulator/model/trigger.h"

namespace rfneedle::sim {

class DevicePhysics {
 public:
  // `meter_gain_error`: the calibration fixture's reference meter's (ReferenceMeterConfig).
  DevicePhysics(std::uint64_t seed, const std::optional<CartridgeMemory>& memory,
                double meter_gain_error = ReferenceMeterConfig{}.gain_error);

  void insert_cartridge(const std::optional<CartridgeMemory>& memory);
  // Sets every model fault hook from the faults active at `now`.
  void apply_faults(const FaultSchedule& schedule, Instant now);
  void step(Duration dt);
  // Brings the output stage up to date with what the firmware just commanded (RF off and
  // the relay act at once, not at the next step).
  void settle_outputs();

  // What the generator's output drives: open with no cartridge, the selected reference
  // load with the calibration fixture engaged, otherwise the tissue.
  [[nodiscard]] Ohms load() const;
  [[nodiscard]] bool fixture_attached() const;
  [[nodiscard]] bool estop_fault() const { return estop_fault_; }

  GeneratorModel generator;
  TissueModel tissue;
  ActuatorModel actuator;
  TriggerModel trigger;
  SkinThermistor thermistor_a;
  SkinThermistor thermistor_b;
  CartridgeSlot cartridge;
  CalibrationFixture fixture;
  FixturePulseReading fixture_pulse;

 private:
  bool estop_fault_ = false;
};

}  // namespace rfneedle::sim
