// Reads the device configuration (proto/config.proto, protobuf text format) into a
// CoreConfig, checking every value against the compiled-in hard envelope: configuration
// may narrow a limit, never widen it (DESIGN 2.7, SR-67). A bad configuration is refused
// as a whole, naming the field and the reason. Start-up code, not the sample path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "controller/core/core_config.h"
#include "hal/handshake_policy.h"

namespace rfneedle::core {

struct ConfigError {
  std::string field;
  std::string reason;
  int line = 0;    // 1-based, in the text; 0 when the text does not set the field
  int entry = -1;  // the entry of a repeated field it is about; -1 for none
};

// The board firmware this build was verified against, accepted when the configuration
// names none: the simulated boards' only, since no hardware board has been verified yet.
inline constexpr std::string_view kVerifiedFirmwareVersions[] = {"sim-1.0.0"};

struct ConfigLoad {
  std::optional<CoreConfig> config;
  // For both drivers' handshakes (SR-41); meaningful when config is set.
  hal::HandshakePolicy boards;
  ConfigError error;  // set when config is empty

  [[nodiscard]] bool ok() const { return config.has_value(); }
};

[[nodiscard]] ConfigLoad load_config(std::string_view text);

}  // namespace rfneedle::core
