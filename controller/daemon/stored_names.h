// How SqliteStore writes the core's enums: as stable names, never as numbers, because the
// core's enums are ordered by meaning (Condition by ladder rung, BodyArea by region) and
// grow in the middle; a number would silently change meaning. Names the core already
// gives (states, conditions, severities, priorities, areas) are used as they are; the
// rest are named here. A build that adds a stored name raises the schema version
// (sqlite_schema.h), so an older build refuses the file rather than misreading it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "controller/core/core_event.h"
#include "controller/core/pulse_record.h"
#include "controller/core/telemetry.h"
#include "controller/core/treatment.h"

namespace rfneedle::daemon {

// "" for a value outside the enum.
[[nodiscard]] std::string_view stored_name(core::State state);
[[nodiscard]] std::string_view stored_name(core::Condition condition);
[[nodiscard]] std::string_view stored_name(core::Severity severity);
[[nodiscard]] std::string_view stored_name(core::AlarmPriority priority);
[[nodiscard]] std::string_view stored_name(core::BodyArea area);
[[nodiscard]] std::string_view stored_name(core::EventKind kind);
[[nodiscard]] std::string_view stored_name(core::PulseOutcome outcome);
[[nodiscard]] std::string_view stored_name(core::PulseKind kind);
[[nodiscard]] std::string_view stored_name(core::Board board);

// The value a stored name stands for; none for a name this build does not know (a newer
// build's, or a damaged row).
template <typename Enum>
[[nodiscard]] std::optional<Enum> from_stored_name(std::string_view stored) {
  for (unsigned v = 0; v <= UINT8_MAX; ++v) {
    const auto value = static_cast<Enum>(v);
    const std::string_view n = stored_name(value);
    if (!n.empty() && n == stored) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace rfneedle::daemon
