// proto/device.proto messages as the core sees them, and the core's commands as wire
// messages. Every field read from the wire is checked against the range docs/protocol.md
// gives it: a value outside it marks the sample implausible or the answer missing, and a
// check whose input is missing has failed (SR-57).
#pragma once

#include <optional>

#include "controller/core/board_commands.h"
#include "controller/core/telemetry.h"
#include "hal/driver_result.h"
#include "proto/device.pb.h"

namespace rfneedle::bridge {

[[nodiscard]] core::GeneratorSample to_sample(const device::GeneratorTelemetry& t);
[[nodiscard]] core::ActuatorSample to_sample(const device::ActuatorTelemetry& t);

[[nodiscard]] core::CommandResultCode to_code(device::ResultCode code);
// Nothing when a field is outside its range.
[[nodiscard]] std::optional<core::ImpedanceReading> to_reading(
    const device::ImpedanceMeasurement& m);
[[nodiscard]] std::optional<core::CartridgeInfo> to_cartridge(const device::CartridgeInfo& c);

[[nodiscard]] core::HandshakeOutcome to_outcome(const device::HandshakeReply& reply,
                                                hal::HandshakeMismatch mismatch);

// A board fault event's code, or 0 when the event carries none (or a code out of range).
[[nodiscard]] std::uint32_t fault_code_of(const device::BoardEvent& event);

[[nodiscard]] device::ConfigureGenerator to_wire(const core::Configure& c);
[[nodiscard]] device::ConfigureActuator to_wire(const core::ConfigureNeedles& c);

}  // namespace rfneedle::bridge
