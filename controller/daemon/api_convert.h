// The core's and the store's types as API messages (proto/api.proto). Pure functions.
#pragma once

#include <string>
#include <vector>

#include "controller/core/core_config.h"
#include "controller/core/status.h"
#include "controller/daemon/device_gateway.h"
#include "controller/daemon/store.h"
#include "proto/api.pb.h"

namespace rfneedle::daemon {

[[nodiscard]] api::Status to_api(const core::Status& status, bool boards_simulated,
                                 const std::string& store_problem = {});
[[nodiscard]] api::Event to_api(const StoredEvent& event);
[[nodiscard]] api::SessionSummary to_api(const SessionRecord& session);
[[nodiscard]] api::Pulse to_api(const StoredPulse& pulse);
[[nodiscard]] api::Pulse to_api(const core::PulseRecord& pulse);
[[nodiscard]] api::OperatorAccount to_api(const OperatorRecord& account);  // no PIN hash
[[nodiscard]] api::Counters to_api(const core::Counters& counters);
[[nodiscard]] api::LifetimeCounters to_api(const LifetimeCounters& counters);
[[nodiscard]] api::CalibrationProgress to_api(const core::CalibrationProgress& progress);
[[nodiscard]] api::CalibrationRecord to_api(const StoredCalibration& calibration);
void fill(api::Calibration* out, const core::CalibrationRecord& calibration);
[[nodiscard]] api::Presets to_api_presets(const core::CoreConfig& config,
                                          const std::vector<std::string>& after_care);

// DESIGN 4's after-care instructions, shown on the session summary.
[[nodiscard]] std::vector<std::string> default_after_care();

// YYYY-MM-DD of a day count since 1970-01-01.
[[nodiscard]] std::string to_date(std::int32_t day);
// Days since 1970-01-01 (UTC) of a wall time.
[[nodiscard]] std::int32_t to_day(WallMs at);

}  // namespace rfneedle::daemon
