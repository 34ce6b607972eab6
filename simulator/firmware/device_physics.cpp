#include "simulator/firmware/device_physics.h"

#include <algorithm>
#include <cmath>

#include "simulator/model/fault_effects.h"
#include "simulator/model/physical.h"

namespace rfneedle::sim {
namespace {

// Each model gets its own noise stream, derived from the one seed (measurement_noise.h).
GeneratorConfig generator_config(std::uint64_t seed) {
  GeneratorConfig config;
  config.seed = seed * 8 + 1;
  return config;
}

ThermistorConfig thermistor_config(std::uint64_t seed, std::uint64_t which) {
  ThermistorConfig config;
  config.seed = seed * 8 + which;
  return config;
}

ReferenceMeterConfig meter_config(std::uint64_t seed, double gain_error) {
  ReferenceMeterConfig config;
  config.seed = seed * 8 + 4;
  config.gain_error = gain_error;
  return config;
}

int needles_of(const std::optional<CartridgeMemory>& cartridge) {
  return cartridge ? cartridge->needle_count : 0;
}

}  // namespace

DevicePhysics::DevicePhysics(std::uint64_t seed, const std::optional<CartridgeMemory>& memory,
                             double meter_gain_error)
    : generator(generator_config(seed)),
      tissue(needles_of(memory)),
      thermistor_a(thermistor_config(seed, 2), to_millicelsius(33.0)),
      thermistor_b(thermistor_config(seed, 3), to_millicelsius(33.0)),
      fixture(meter_config(seed, meter_gain_error)) {
  insert_cartridge(memory);
}

void DevicePhysics::insert_cartridge(const std::optional<CartridgeMemory>& memory) {
  if (!memory) {
    cartridge.remove();
  } else {
    cartridge.insert(*memory);
  }
  tissue.set_needle_count(needles_of(memory));
}

bool DevicePhysics::fixture_attached() const {
  const std::optional<CartridgeMemory> memory = cartridge.read();
  return memory && memory->type == CartridgeType::kCalibrationFixture;
}

Ohms DevicePhysics::load() const {
  const std::optional<CartridgeMemory> memory = cartridge.read();
  if (!memory) {
    return kOpenCircuit;
  }
  if (memory->type == CartridgeType::kCalibrationFixture) {
    // The fixture's contacts engage once the carriage leaves its home stop.
    return actuator.position() > Micrometres(0) ? fixture.load() : kOpenCircuit;
  }
  return tissue.impedance();
}

void DevicePhysics::step(Duration dt) {
  if (dt <= Duration::zero()) {
    return;
  }
  actuator.step(dt);
  tissue.set_depth(std::max(actuator.position(), Micrometres(0)));
  generator.step(dt, load());
  const Milliwatts delivered = generator.delivered_power();
  if (fixture_attached()) {
    fixture.step(dt, delivered);
    tissue.step(dt, Milliwatts(0));
    if (generator.rf_on()) {
      fixture_pulse.on_time += dt;
      fixture_pulse.energy = fixture.meter_energy();
    }
  } else {
    tissue.step(dt, delivered);
  }
  thermistor_a.step(dt, tissue.skin_temperature());
  thermistor_b.step(dt, tissue.skin_temperature());
}

void DevicePhysics::settle_outputs() { generator.step(Duration::zero(), load()); }

void DevicePhysics::apply_faults(const FaultSchedule& schedule, Instant now) {
  const FaultLines lines =
      apply_model_faults(schedule, now,
                         FaultTargets{&tissue, &generator, &actuator, &thermistor_a, &thermistor_b,
                                      &trigger, &cartridge});
  tissue.set_needle_count(needles_of(cartridge.read()));
  estop_fault_ = lines.estop_pressed;
}

}  // namespace rfneedle::sim
