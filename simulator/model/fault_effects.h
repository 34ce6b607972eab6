// Applies the model faults active in a FaultSchedule to the physical models, through
// their fault hooks. Call it once per model step, before stepping the models: every hook
// is set on each call, on or off, so a fault that ends is undone. The hooks belong to this
// function; nothing else should set them.
//
// Link faults and board-reboot are not applied here: the firmware and process layer reads
// the same schedule for them (FaultLayer::kLink, kFirmware).
#pragma once

#include "hal/time.h"
#include "simulator/faults.h"
#include "simulator/model/actuator.h"
#include "simulator/model/cartridge.h"
#include "simulator/model/generator.h"
#include "simulator/model/skin_thermistor.h"
#include "simulator/model/tissue.h"
#include "simulator/model/trigger.h"

namespace rfneedle::sim {

// The models a simulated device is built from; a null member is skipped.
struct FaultTargets {
  TissueModel* tissue = nullptr;
  GeneratorModel* generator = nullptr;
  ActuatorModel* actuator = nullptr;
  SkinThermistor* thermistor_a = nullptr;
  SkinThermistor* thermistor_b = nullptr;
  TriggerModel* trigger = nullptr;
  CartridgeSlot* cartridge = nullptr;
};

// Fault state that is an input line of the boards rather than a model hook.
struct FaultLines {
  bool estop_pressed = false;
};

FaultLines apply_model_faults(const FaultSchedule& schedule, Instant now,
                              const FaultTargets& targets);

}  // namespace rfneedle::sim
