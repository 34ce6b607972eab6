// The ordered action ladder and every condition on it (DESIGN 4): what each cause does,
// its IEC 60601-1-8 alarm priority, and how it clears. Data, so the tests and the safety
// file can enumerate it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace rfneedle::core {

// Ordered: a more severe action wins.
enum class Action : std::uint8_t {
  kNone,
  kWarn,
  kBlockNextPulse,
  kWait,
  kEndPulse,
  kAbortPulse,
  kFault,
  kNeedleStuck,
  kServiceLock,
};

enum class AlarmPriority : std::uint8_t { kNone, kLow, kMedium, kHigh };

enum class ClearPolicy : std::uint8_t {
  kWhenConditionClears,
  kByItself,
  kNextPulse,
  kNextGoodMeasurement,
  kAcknowledgeAfterCauseGone,
  kServiceReset,
};

enum class Condition : std::uint8_t {
  // warn
  kSkinWarm,
  kCartridgeNearLimit,
  kHeatsinkWarm,
  // block next pulse
  kSkinHot,
  kCartridgeMissing,
  kCartridgeExpired,
  kCartridgeAtLimit,
  kDisplayStale,
  kBoardSetupRefused,
  // The daemon's store (issue 10): a commit that failed, and a wall clock earlier than
  // the latest stored record (this one also refuses Arm).
  kStoreFailed,
  kClockBehindRecords,
  // wait
  kInterPulseInterval,
  kRecordNotStored,
  kBoardSetupPending,
  kPulseIdNotReserved,
  // end pulse
  kDesiccation,
  kSkinHotDuringPulse,
  kTriggerReleased,
  // abort pulse
  kImpedanceOutOfWindow,
  kPowerUnreachable,
  kContactLost,
  kPulseRefused,
  // fault
  kShortCircuit,
  kPowerDeviation,
  kEnergyOverrun,
  kRfUncommanded,
  kRfStillActive,
  kGeneratorTelemetryGap,
  kActuatorTelemetryGap,
  kLinkFault,
  kNotAtDepth,
  kNotRetracted,
  kEncoderMismatch,
  kMotorStall,
  kEStop,
  kTriggerDisagree,
  kSkinOverheat,
  kHeatsinkOverheat,
  kBoardFault,
  kTelemetryImplausible,
  // Board latches with no detector of the core's own (board_latches.h).
  kBoardDeadMan,
  kPulseTimeCap,
  kAtDepthLost,
  kRelayFault,
  // needle stuck
  kRetractionFailed,
  // service lock
  kThermistorOutOfRange,
  kThermistorRate,
  kThermistorDisagree,
  kThermistorStuck,
  kHandshakeMismatch,
  kSelfTestFailed,
  kRepeatedFault,
  kInternalInvariant,
  // The daemon's store could not be used at start-up (issue 10).
  kStoreUnusable,
};
inline constexpr std::size_t kConditionCount = 54;

struct ConditionSpec {
  std::string_view name;
  Action action;
  AlarmPriority priority;
  ClearPolicy clears;
  // STOP and E-stop are the operator's doing: they never count toward escalation.
  bool operator_caused = false;
};

[[nodiscard]] const ConditionSpec& spec(Condition condition);
[[nodiscard]] std::string_view name(Action action);
[[nodiscard]] std::string_view name(AlarmPriority priority);

[[nodiscard]] constexpr std::size_t index(Condition c) { return static_cast<std::size_t>(c); }

}  // namespace rfneedle::core
