#include "controller/core/treatment_plan.h"

namespace rfneedle::core {

Microjoules energy_limit(const CartridgeInfo& cartridge, const Envelope& envelope) {
  return envelope.energy_per_needle * static_cast<std::int64_t>(cartridge.needle_count);
}

bool depth_within_preset(Micrometres depth, BodyArea area, const CoreConfig& config) {
  const AreaPreset& preset = config.presets[static_cast<std::size_t>(area)];
  return depth >= preset.depth_min && depth <= preset.depth_max;
}

Response validate_parameters(const PulseParameters& p, BodyArea area,
                             const CartridgeInfo& cartridge, const CoreConfig& config) {
  const Envelope& e = config.envelope;
  if (p.power < e.power_min || p.power > e.power_max) {
    return Response::invalid("power", "outside the power envelope");
  }
  if (p.duration < e.time_min || p.duration > e.time_max) {
    return Response::invalid("duration", "outside the conduction time envelope");
  }
  if (p.planned_energy() > energy_limit(cartridge, e)) {
    return Response::invalid("power", "power x time above the energy limit per needle");
  }
  const Micrometres depth_max =
      cartridge.kind == CartridgeKind::kBody ? e.body_depth_max : e.face_depth_max;
  if (p.depth < e.depth_min || p.depth > depth_max) {
    return Response::invalid("depth", "outside the depth envelope for this cartridge type");
  }
  if (p.depth > cartridge.max_depth) {
    return Response::invalid("depth", "deeper than the cartridge allows");
  }
  if (p.depth.value() % e.depth_step.value() != 0) {
    return Response::invalid("depth", "not a multiple of the depth step");
  }
  if (!depth_within_preset(p.depth, area, config) && !p.depth_confirmed) {
    return Response::invalid("depth_confirmed",
                             "outside the body area's range: needs a recorded confirmation");
  }
  return Response::accepted();
}

}  // namespace rfneedle::core
