// The controller's states (DESIGN 4). Standby: no session or a disarmed one; Ready: armed.
#pragma once

#include <cstdint>
#include <string_view>

namespace rfneedle::core {

enum class State : std::uint8_t {
  kConnecting,
  kSelfTest,
  kStandby,
  kReady,
  kInserting,
  kMeasuring,
  kEnergizing,
  kRetracting,
  kPaused,
  kFault,
  kNeedleStuck,
  kServiceLock,
  kService,
  kShuttingDown,
};
inline constexpr std::size_t kStateCount = 14;

[[nodiscard]] std::string_view name(State state);

// States in which a pulse is under way (needles may be out of the cartridge).
[[nodiscard]] constexpr bool in_pulse(State state) {
  return state == State::kInserting || state == State::kMeasuring || state == State::kEnergizing ||
         state == State::kRetracting;
}

// Latched states survive a restart (DESIGN 4) and leave only by acknowledge or reset.
[[nodiscard]] constexpr bool is_latched(State state) {
  return state == State::kFault || state == State::kNeedleStuck || state == State::kServiceLock;
}

}  // namespace rfneedle::core
