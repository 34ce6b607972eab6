// Board telemetry as the core sees it (1 kHz from each board). The daemon maps the wire
// messages of proto/device.proto onto these; the core never sees the wire.
#pragma once

#include <cstdint>

#include "hal/units.h"

namespace rfneedle::core {

enum class Board : std::uint8_t { kGenerator, kActuator };

// Bits of `latched_faults`, shared by both boards: bit n is FaultCode n of
// proto/device.proto, so the daemon passes the mask through unchanged.
namespace board_fault {
inline constexpr std::uint32_t kDeadMan = 1u << 1;
inline constexpr std::uint32_t kEStop = 1u << 2;
inline constexpr std::uint32_t kOverTemperature = 1u << 3;
inline constexpr std::uint32_t kPulseTimeCap = 1u << 4;
inline constexpr std::uint32_t kPowerCeiling = 1u << 5;
inline constexpr std::uint32_t kEnergyCap = 1u << 6;
inline constexpr std::uint32_t kRelay = 1u << 7;
inline constexpr std::uint32_t kRfUncommanded = 1u << 8;
inline constexpr std::uint32_t kAtDepthLost = 1u << 9;
inline constexpr std::uint32_t kMotorStall = 1u << 10;
inline constexpr std::uint32_t kEncoder = 1u << 11;
inline constexpr std::uint32_t kRetractJam = 1u << 12;
inline constexpr std::uint32_t kCartridge = 1u << 13;
inline constexpr std::uint32_t kReboot = 1u << 14;
inline constexpr std::uint32_t kThermistor = 1u << 15;
inline constexpr std::uint32_t kSupply = 1u << 16;
inline constexpr std::uint32_t kInternal = 1u << 17;
}  // namespace board_fault

struct GeneratorSample {
  std::uint32_t sample_counter = 0;
  std::uint64_t board_time_us = 0;
  bool rf_active = false;
  bool relay_closed = true;
  Milliwatts power{};
  Millivolts voltage{};
  Milliamps current{};
  Ohms impedance{};
  Microjoules energy{};  // delivered in the current or last pulse
  MilliCelsius heatsink{};
  bool at_depth_line = false;
  bool estop = false;
  std::uint32_t latched_faults = 0;
  std::uint64_t pulse_id = 0;
  // False when a field on the wire was outside its documented range (SR-57).
  bool wire_in_range = true;
};

struct ActuatorSample {
  std::uint32_t sample_counter = 0;
  std::uint64_t board_time_us = 0;
  Micrometres encoder_position{};
  Micrometres motor_position{};
  Micrometres target_position{};
  Milliamps motor_current{};
  bool homed = false;
  bool at_depth_line = false;
  bool rf_active_line = false;
  bool trigger_a = false;
  bool trigger_b = false;
  MilliCelsius skin_temp_a{};
  MilliCelsius skin_temp_b{};
  bool cartridge_present = false;
  bool estop = false;
  std::uint32_t latched_faults = 0;
  bool motor_stalled = false;
  bool wire_in_range = true;
};

}  // namespace rfneedle::core
