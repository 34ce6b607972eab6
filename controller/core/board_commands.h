// Commands the core issues to the boards, as values. Only the core commands the hardware
// (DESIGN 2.5); the shell hands these to the drivers in order.
#pragma once

#include <cstdint>
#include <variant>

#include "controller/core/telemetry.h"
#include "hal/units.h"

namespace rfneedle::core {

// The board-side limits (DESIGN 2.2: defence in depth) and calibration corrections.
struct Configure {
  Milliwatts max_power{};
  Duration max_pulse_time{};
  Microjoules max_energy{};
  // Calibration correction in parts per million (1'000'000 = none).
  std::int32_t power_correction_ppm = 1'000'000;
};
struct MeasureImpedance {};
struct Insert {
  Micrometres depth{};
};
struct Retract {};
struct Home {};
// Stops the motor where it is: the NeedleStuck state (RF off, motor off).
struct HaltMotor {};
struct DeliverPulse {
  std::uint64_t pulse_id = 0;
  Milliwatts power{};
  Duration duration{};
  Microjoules energy_cap{};
  std::uint32_t epoch = 0;
  std::uint64_t expires_at_board_us = 0;  // in the generator's clock (DESIGN 3)
};
struct Abort {
  std::uint32_t epoch = 0;  // the raised epoch: older pulse commands are refused
};
// To each board every heartbeat period; rf_permitted=false turns RF off at once.
struct Heartbeat {
  Board board = Board::kGenerator;
  bool rf_permitted = false;
  std::uint32_t epoch = 0;
};
struct RelayOpen {};
struct RelayClose {};
// Clears the latched faults named in `mask` (`board_fault` bits); the board clears each
// only once its cause is gone. Only what the clear's policy allows is named: the self-test's
// dead-man check names the dead-man bit alone, never an older latch (SR-55).
struct ClearLatchedFault {
  Board board = Board::kGenerator;
  std::uint32_t mask = 0;
};
struct CartridgeBind {
  std::uint64_t session_id = 0;
};
struct CartridgeConsume {
  std::uint64_t pulse_id = 0;
};
// Low-level measurement across one of the calibration fixture's reference loads.
struct CalibrationMeasurement {
  std::uint32_t load_index = 0;
};

using BoardCommand =
    std::variant<Configure, MeasureImpedance, Insert, Retract, Home, HaltMotor, DeliverPulse, Abort,
                 Heartbeat, RelayOpen, RelayClose, ClearLatchedFault, CartridgeBind,
                 CartridgeConsume, CalibrationMeasurement>;

enum class Destination : std::uint8_t { kGenerator, kActuator, kBoth };

[[nodiscard]] Destination destination(const BoardCommand& command);

// Kinds of command, for acknowledgements (the index of the variant alternative).
using CommandKind = std::size_t;
template <typename T>
inline constexpr CommandKind kind_of = [] {
  BoardCommand probe{T{}};
  return probe.index();
}();

enum class CommandResultCode : std::uint8_t {
  kOk,
  kRefusedEpoch,
  kRefusedExpired,
  kRefusedNotPermitted,
  kRefusedNotAtDepth,
  kRefusedLimit,
  kRefusedBusy,
  kFailed,
};

struct CommandResult {
  CommandKind kind = 0;
  CommandResultCode code = CommandResultCode::kOk;
};

// An unsolicited board event (BOARD_EVENT_FAULT_LATCHED) carrying the FaultCode number of
// proto/device.proto that latched (its bit in `latched_faults` is 1 << fault_code); 0 for
// events that latch nothing.
struct BoardEvent {
  Board board = Board::kGenerator;
  std::uint32_t fault_code = 0;
};

enum class HandshakeMismatch : std::uint8_t {
  kNone,
  kProtocolVersion,
  kProtocolHash,
  kFirmwareVersion,
  kWrongBoard,
};

struct HandshakeOutcome {
  HandshakeMismatch mismatch = HandshakeMismatch::kNone;
  bool simulated = false;

  [[nodiscard]] bool matched() const { return mismatch == HandshakeMismatch::kNone; }
};

}  // namespace rfneedle::core
