// What a driver answers when asked to send a command (RfGenerator, NeedleActuator).
// Errors are values: the safety thread never sees an exception.
#pragma once

#include <cstdint>

#include "hal/handshake_mismatch.h"

namespace rfneedle::hal {

enum class DriverError : std::uint8_t {
  kNoSession,          // no handshake has completed in this session yet
  kHandshakeMismatch,  // the board answered, but not as this build expects: no treatment
  kQueueFull,          // the link's bounded queue is full
  kLinkFaulted,        // the session faulted; a new handshake starts the next one
};

// A command accepted for sending carries its command_id; the board answers it with one
// CommandResult of that id.
struct CommandSubmission {
  std::uint32_t command_id = 0;  // 0 when refused
  DriverError error = DriverError::kNoSession;
  [[nodiscard]] bool accepted() const { return command_id != 0; }
};

enum class HandshakeState : std::uint8_t {
  kNone,         // start_session() not called yet
  kWaiting,      // request sent, no matching reply yet
  kEstablished,  // matching reply: commands flow
  kMismatch,     // reply disagrees: connected, never armed (SR-41)
};

}  // namespace rfneedle::hal
