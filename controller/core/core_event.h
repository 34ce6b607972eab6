// Events the core reports, in F Prime's vocabulary (STYLE), each with the alarm priority
// of its ladder condition (IEC 60601-1-8). Text is static; values are numbers, so an event
// costs no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "controller/core/ladder.h"
#include "controller/core/state.h"
#include "hal/time.h"

namespace rfneedle::core {

enum class Severity : std::uint8_t {
  kDiagnostic,
  kActivityLow,
  kActivityHigh,
  kCommand,
  kWarningLow,
  kWarningHigh,
  kFatal,
};

enum class EventKind : std::uint8_t {
  kConditionRaised,
  kConditionCleared,
  kStateChanged,
  kRequestRejected,
  kRequestAccepted,
  kPulseStarted,
  kPulseEnded,
  kSelfTestCheck,
  kCalibrationResult,
  kScreenLocked,
  kDepthConfirmed,
  kScreeningOverridden,
  kOutputOverflow,
  // Recorded by the daemon, never by the core (issue 9): a board's serial number differs
  // from the last one the store knew; pulse records reconciled with the generator's log.
  kBoardChanged,
  kPulsesReconciled,
  // An advisory screening item answered "yes" at the session's opening (detail: its id).
  kScreeningAdvisory,
  // Recorded by the daemon at start-up: a session the previous run left open was closed as
  // interrupted (SR-70; value: its ID).
  kSessionInterrupted,
};

struct CoreEvent {
  Instant at{};
  EventKind kind = EventKind::kStateChanged;
  Severity severity = Severity::kDiagnostic;
  AlarmPriority priority = AlarmPriority::kNone;
  std::optional<Condition> condition;
  State state = State::kConnecting;  // the state after the event
  std::string_view text;             // static text: a reason or a check's name
  std::string_view detail;           // static text: why a check failed, or the
                                     // configuration's screening item id
  std::int64_t value = 0;
};

[[nodiscard]] std::string_view name(Severity severity);

}  // namespace rfneedle::core
