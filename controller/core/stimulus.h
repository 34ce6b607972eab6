// What can happen to the state machine: the columns of the transition table.
#pragma once

#include <cstdint>
#include <string_view>

namespace rfneedle::core {

enum class Stimulus : std::uint8_t {
  kHandshakesMatched,
  kHandshakeMismatch,
  kSelfTestPassed,
  kSelfTestFailed,
  kArm,
  kDisarm,
  kStop,
  kTriggerPressed,
  kNeedlesAtDepth,
  kImpedanceAccepted,
  kPulseOver,  // RF ended: by the board's timer, an end-pulse or an abort-pulse cause
  kNeedlesRetracted,
  kBlocked,
  kUnblocked,
  kIdleTimeout,
  kFaultDetected,
  kRetractionFailed,
  kServiceLockCause,
  kAcknowledge,
  kServiceEnter,
  kServiceExit,
  kServiceReset,
  kRunSelfTest,
  kShutdown,
  // A latch that interrupted the power-on self-test was cleared: it runs again in full,
  // since Standby follows only a passed self-test (SR-65).
  kSelfTestRepeat,
};
inline constexpr std::size_t kStimulusCount = 25;

[[nodiscard]] std::string_view name(Stimulus stimulus);

}  // namespace rfneedle::core
