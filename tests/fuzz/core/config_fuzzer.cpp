// Configuration text from anywhere: the loader never crashes, and whatever it accepts lies
// inside the compiled-in hard envelope (SR-67).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "controller/core/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rfneedle;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const core::ConfigLoad load = core::load_config(text);
  if (!load.ok()) {
    if (load.error.field.empty() || load.error.reason.empty()) std::abort();
    return 0;
  }
  const core::CoreConfig& c = *load.config;
  const core::CoreConfig hard;
  const bool inside =
      c.envelope.power_max <= hard.envelope.power_max &&
      c.envelope.power_min >= hard.envelope.power_min &&
      c.envelope.time_max <= hard.envelope.time_max &&
      c.envelope.energy_per_needle <= hard.envelope.energy_per_needle &&
      c.envelope.body_depth_max <= hard.envelope.body_depth_max &&
      c.envelope.face_depth_max <= hard.envelope.face_depth_max &&
      c.skin.fault <= hard.skin.fault && c.skin.block <= hard.skin.block &&
      c.impedance.min >= hard.impedance.min && c.impedance.max <= hard.impedance.max &&
      c.heatsink.fault <= hard.heatsink.fault && c.link.dead_man <= hard.link.dead_man &&
      c.link.pulse_expiry <= milliseconds(20) &&
      c.session.inter_pulse_interval >= hard.session.inter_pulse_interval &&
      c.calibration.max_pulse_energy <= hard.calibration.max_pulse_energy;
  if (!inside) std::abort();
  for (const auto& preset : c.presets) {
    if (preset.depth_min < c.envelope.depth_min || preset.depth_max > c.envelope.body_depth_max) {
      std::abort();
    }
  }
  return 0;
}
