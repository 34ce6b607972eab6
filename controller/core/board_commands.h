// Commands the core issues to the boards, as values. Only the core commands the hardware
// (DESIGN 2.5); the shell hands these to the drivers in order.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "controller/core/telemetry.h"
#include "controller/core/treatment.h"
#include "hal/handshake_mismatch.h"
#include "hal/units.h"

namespace rfneedle::core {

// The board-side limits (DESIGN 2.2: defence in depth) and calibration corrections.
// Every field is sent: a board refuses a configure with any field missing or out of range.
struct Configure {
  Milliwatts max_power{};
  Duration max_pulse_time{};
  Microjoules max_energy{};
  // Calibration correction in parts per million (1'000'000 = none).
  std::int32_t power_correction_ppm = 1'000'000;
  MilliCelsius max_heatsink{};
  Duration dead_man{};
  Millivolts max_voltage{};
  std::int32_t calibrated_day = 0;  // days since 1970-01-01; 0: never
  std::int32_t calibration_due_day = 0;
};
// The actuator's own limits (DESIGN 2.2), sent once its handshake matched.
struct ConfigureNeedles {
  Micrometres max_depth{};
  Duration dead_man{};
  Milliamps max_motor_current{};
  Micrometres at_depth_tolerance{};
};
// Low-level impedance measurement (no therapeutic energy). The answer is the
// measurement's own result (min/max/mean over its samples), matched to this request by
// `sequence`: telemetry impedance with RF off means nothing (SR-10).
struct MeasureImpedance {
  std::uint32_t sequence = 0;
  Duration duration = milliseconds(5);
};
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
// Reads the cartridge memory: the core takes needle count, pulses used, limit and expiry
// from the cartridge, never from a request (SR-24).
struct CartridgeRead {};
// The controller's date goes with both, so the actuator checks expiry against it and
// refuses a date earlier than the cartridge's bind date.
struct CartridgeBind {
  std::uint64_t session_id = 0;
  std::int32_t today = 0;  // days since 1970-01-01
};
struct CartridgeConsume {
  std::uint64_t pulse_id = 0;
  std::int32_t today = 0;
};
// Low-level measurement across one of the calibration fixture's reference loads.
struct CalibrationMeasurement {
  std::uint32_t load_index = 0;
};

using BoardCommand =
    std::variant<Configure, ConfigureNeedles, MeasureImpedance, Insert, Retract, Home, HaltMotor,
                 DeliverPulse, Abort, Heartbeat, RelayOpen, RelayClose, ClearLatchedFault,
                 CartridgeRead, CartridgeBind, CartridgeConsume, CalibrationMeasurement>;

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
  kRefusedCartridge,  // no cartridge, expired, at its limit, bound elsewhere, or a bad date
  kFailed,
};

// A MeasureImpedance's own result.
struct ImpedanceReading {
  Ohms mean{};
  Ohms min{};
  Ohms max{};
  std::uint32_t samples = 0;
};

struct CommandResult {
  CommandKind kind = 0;
  CommandResultCode code = CommandResultCode::kOk;
  // MeasureImpedance: the request's sequence, and its measurement when it succeeded.
  std::uint32_t sequence = 0;
  std::optional<ImpedanceReading> impedance;
  // CartridgeRead, CartridgeBind and CartridgeConsume: the cartridge memory afterwards.
  std::optional<CartridgeInfo> cartridge;
};

// An unsolicited board event (BOARD_EVENT_FAULT_LATCHED) carrying the FaultCode number of
// proto/device.proto that latched (its bit in `latched_faults` is 1 << fault_code); 0 for
// events that latch nothing.
struct BoardEvent {
  Board board = Board::kGenerator;
  std::uint32_t fault_code = 0;
};

using HandshakeMismatch = hal::HandshakeMismatch;

struct HandshakeOutcome {
  HandshakeMismatch mismatch = HandshakeMismatch::kNone;
  bool simulated = false;
  // The generator's output voltage limit from its HandshakeReply; 0 (missing) is a
  // mismatch (SR-57). The core plans with the lower of this and its configured limit.
  Millivolts voltage_limit{};
  // The board's latched faults when it answered.
  std::uint32_t latched_faults = 0;

  [[nodiscard]] bool matched() const { return mismatch == HandshakeMismatch::kNone; }
};

}  // namespace rfneedle::core
