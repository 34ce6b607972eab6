// What a board's handshake reply must show beyond this build's protocol version, proto
// hash and board kind (SR-41; DESIGN 3), from the device configuration. Set on each driver
// at start-up, before its first session: the strings are allocated then, never per frame.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rfneedle::hal {

struct HandshakePolicy {
  // Compared exactly with HandshakeReply.firmware_version. The default accepts none: a
  // driver nobody configured never arms (DESIGN 2.4: a check that did not run has failed).
  std::vector<std::string> accepted_firmware_versions;
  // A simulated board (rfneedle-sim) is accepted only when the configuration allows it.
  bool allow_simulated = false;
};

// The generator's output voltage limit in its reply, HandshakeReply.max_voltage_mv
// (device.proto): 0 means missing, and missing or out of range fails (SR-57).
inline constexpr std::uint32_t kMinGeneratorVoltageLimitMv = 1'000;
inline constexpr std::uint32_t kMaxGeneratorVoltageLimitMv = 400'000;

}  // namespace rfneedle::hal
