// Requests as the core understands them (SR-75): each parsed API request becomes a core type
// or an error naming the field and the rule; nothing out of range reaches the core. Range
// checks here are the API's outer bounds (the configured envelope); the core still decides
// everything that depends on the device's state (the cartridge, the area's range).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "controller/core/calibration.h"
#include "controller/core/core_config.h"
#include "controller/core/treatment.h"
#include "controller/daemon/store.h"
#include "proto/api.pb.h"

namespace rfneedle::daemon {

// Either the request as the core takes it, or why not.
template <typename T>
using Checked = std::variant<T, api::ErrorBody>;

inline constexpr std::size_t kMaxPatientRefSize = 64;
inline constexpr std::size_t kMaxReasonSize = 500;
inline constexpr std::size_t kMaxUserSize = 64;
inline constexpr std::size_t kMaxSecretSize = 128;

[[nodiscard]] std::optional<core::BodyArea> to_core(api::BodyArea area);

// The operator comes from the token; `today` from the daemon's calendar; `items` are the
// configured screening items, every one of which the checklist must answer.
[[nodiscard]] Checked<core::SessionRequest> to_session_request(
    const api::OpenSessionRequest& request, const core::ScreeningItems& items,
    std::string operator_id, std::int32_t today);

[[nodiscard]] Checked<core::BodyArea> to_area(const api::SessionAreaRequest& request);

[[nodiscard]] Checked<core::PulseParameters> to_pulse_parameters(
    const api::ParametersRequest& request, const core::Envelope& envelope);

// The fixture's loads are 0..7 (device.proto's FixtureMeasure); power and duration within
// the envelope, their energy at most the calibration pulse cap (SR-66); `today` from the
// daemon's calendar. The fixture itself is never in the request: the core reads it.
[[nodiscard]] Checked<core::CalibrationRequest> to_calibration_request(
    const api::CalibrationRunRequest& request, const core::CoreConfig& config, std::int32_t today);

[[nodiscard]] std::optional<api::ErrorBody> check_login(const api::LoginRequest& request);

[[nodiscard]] Checked<std::string> to_reset_reason(const api::ResetRequest& request);

// GET /events' query string (after "?"): after_id, since, until (RFC 3339), severity (the
// lowest, e.g. WARNING_LOW or SEVERITY_WARNING_LOW), limit (1..1000, default 100).
[[nodiscard]] Checked<EventQuery> to_event_query(std::string_view query);

// GET /sessions' and GET /service/calibration's query string: limit (1..1000, default 100).
[[nodiscard]] Checked<std::uint32_t> to_session_limit(std::string_view query);

}  // namespace rfneedle::daemon
