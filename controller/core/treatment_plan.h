// Validation of the clinician's settings against the envelope, the configuration, the
// body area and the cartridge (DESIGN 4). A plan above 62 mJ per needle is refused.
#pragma once

#include "controller/core/core_config.h"
#include "controller/core/response.h"

namespace rfneedle::core {

[[nodiscard]] Response validate_parameters(const PulseParameters& parameters, BodyArea area,
                                           const CartridgeInfo& cartridge,
                                           const CoreConfig& config);

[[nodiscard]] bool depth_within_preset(Micrometres depth, BodyArea area, const CoreConfig& config);

// The most energy a pulse may carry with this cartridge.
[[nodiscard]] Microjoules energy_limit(const CartridgeInfo& cartridge, const Envelope& envelope);

}  // namespace rfneedle::core
