// Why a board's handshake reply leaves it connected but never armed (SR-41): one enum for
// the drivers and the controller core. No protobuf here, so the sans-I/O core includes it.
#pragma once

#include <cstdint>
#include <string_view>

namespace rfneedle::hal {

enum class HandshakeMismatch : std::uint8_t {
  kNone,
  kProtocolVersion,  // the board speaks another protocol version
  kProtoHash,        // the board was built from another proto/device.proto
  kBoardKind,        // the other board is on this port
  kFirmwareVersion,  // a firmware version the configuration does not accept
  kSimulated,        // a simulated board where the configuration does not allow one
  kVoltageLimit,     // the generator's voltage limit missing or out of range (SR-57)
};

// A short reason, for the ServiceLock the mismatch causes and the logs.
[[nodiscard]] constexpr std::string_view name(HandshakeMismatch mismatch) {
  switch (mismatch) {
    case HandshakeMismatch::kNone:
      return "none";
    case HandshakeMismatch::kProtocolVersion:
      return "protocol version differs";
    case HandshakeMismatch::kProtoHash:
      return "device.proto hash differs";
    case HandshakeMismatch::kBoardKind:
      return "board kind differs";
    case HandshakeMismatch::kFirmwareVersion:
      return "firmware version not accepted";
    case HandshakeMismatch::kSimulated:
      return "simulated board not allowed";
    case HandshakeMismatch::kVoltageLimit:
      return "generator voltage limit missing or out of range";
  }
  return "unknown";
}

}  // namespace rfneedle::hal
