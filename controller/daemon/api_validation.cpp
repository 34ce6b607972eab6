#include "controller/daemon/api_validation.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace rfneedle::daemon {
namespace {

api::ErrorBody invalid(std::string field, std::string rule, std::string error = "out of range") {
  api::ErrorBody body;
  body.set_error(std::move(error));
  body.set_field(std::move(field));
  body.set_rule(std::move(rule));
  return body;
}

// Printable ASCII, or any byte of a UTF-8 sequence: no control characters in stored text.
bool printable(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return false;
    }
  }
  return true;
}

std::optional<api::ErrorBody> check_text(std::string_view text, const char* field, std::size_t max,
                                         bool required) {
  if (required && text.empty()) {
    return invalid(field, "required", "missing");
  }
  if (text.size() > max) {
    return invalid(field, "at most " + std::to_string(max) + " bytes", "too long");
  }
  if (!printable(text)) {
    return invalid(field, "no control characters", "invalid text");
  }
  return std::nullopt;
}

std::optional<api::ErrorBody> check_range(std::int64_t value, const char* field, std::int64_t min,
                                          std::int64_t max) {
  if (value < min || value > max) {
    return invalid(field, "between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return std::nullopt;
}

// power_mw and duration_ms within the envelope, as a pulse and a calibration run take them.
std::optional<api::ErrorBody> check_power_and_duration(std::int64_t power_mw,
                                                       std::int64_t duration_ms,
                                                       const core::Envelope& e) {
  if (auto err = check_range(power_mw, "power_mw", e.power_min.value(), e.power_max.value())) {
    return err;
  }
  const auto min_ms = std::chrono::duration_cast<milliseconds>(e.time_min).count();
  const auto max_ms = std::chrono::duration_cast<milliseconds>(e.time_max).count();
  return check_range(duration_ms, "duration_ms", min_ms, max_ms);
}

std::optional<api::ErrorBody> unanswered(api::Answer answer, const std::string& field) {
  if (answer == api::NO || answer == api::YES) {
    return std::nullopt;
  }
  return invalid(field, "YES or NO", "unanswered");
}

// One key=value pair at a time from a query string; values are used as they are (the
// parameters we accept never need percent-encoding except RFC 3339's "+", sent as %2B).
struct QueryParam {
  std::string_view key;
  std::string value;
};

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
      if (ec == std::errc{} && p == in.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i] == '+' ? ' ' : in[i]);
  }
  return out;
}

std::vector<QueryParam> split_query(std::string_view query) {
  std::vector<QueryParam> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    params.push_back({pair.substr(0, eq), eq == std::string_view::npos
                                              ? std::string{}
                                              : percent_decode(pair.substr(eq + 1))});
  }
  return params;
}

std::optional<std::uint64_t> to_uint(std::string_view text) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return v;
}

std::optional<WallMs> to_wall(const std::string& text) {
  google::protobuf::Timestamp t;
  if (!google::protobuf::util::TimeUtil::FromString(text, &t)) {
    return std::nullopt;
  }
  return google::protobuf::util::TimeUtil::TimestampToMilliseconds(t);
}

std::optional<api::ErrorBody> parse_limit(const QueryParam& p, std::uint32_t& limit) {
  const auto v = to_uint(p.value);
  if (!v || *v < 1 || *v > 1000) {
    return invalid("limit", "an integer between 1 and 1000");
  }
  limit = static_cast<std::uint32_t>(*v);
  return std::nullopt;
}

}  // namespace

std::optional<core::BodyArea> to_core(api::BodyArea area) {
  const int v = static_cast<int>(area);
  if (v < 1 || v > static_cast<int>(core::kBodyAreaCount)) {
    return std::nullopt;
  }
  return static_cast<core::BodyArea>(v - 1);
}

Checked<core::SessionRequest> to_session_request(const api::OpenSessionRequest& request,
                                                 const core::ScreeningItems& items,
                                                 std::string operator_id, std::int32_t today) {
  if (auto e = check_text(request.patient_ref(), "patient_ref", kMaxPatientRefSize, true)) {
    return *e;
  }
  const auto area = to_core(request.area());
  if (!area) {
    return invalid("area", "a BODY_AREA_ value", "unspecified");
  }
  core::SessionRequest out;
  // Every configured item answered, in the configuration's order; no answer to another.
  for (const core::ScreeningItem& item : items) {
    const auto found = request.checklist().find(item.id);
    const api::Answer answer = found == request.checklist().end() ? api::ANSWER_UNSPECIFIED
                                                                  : found->second;
    if (auto e = unanswered(answer, "checklist." + item.id)) {
      return *e;
    }
    out.screening.yes.push_back(answer == api::YES);
  }
  for (const auto& entry : request.checklist()) {
    const std::string& key = entry.first;
    const bool known = std::any_of(items.begin(), items.end(),
                                   [&](const core::ScreeningItem& i) { return i.id == key; });
    if (!known) {
      return invalid("checklist." + key.substr(0, kMaxUserSize), "an item of presets.checklist",
                     "unknown screening item");
    }
  }
  if (auto e = check_text(request.override_reason(), "override_reason", kMaxReasonSize, false)) {
    return *e;
  }
  if (!request.override_reason().empty() &&
      !out.screening.any(items, core::ScreeningKind::kContraindication)) {
    return invalid("override_reason", "only with a YES on a contraindication",
                   "nothing to override");
  }
  if (auto e = check_text(request.course_reason(), "course_reason", kMaxReasonSize, false)) {
    return *e;
  }
  out.patient_ref = request.patient_ref();
  out.operator_id = std::move(operator_id);
  out.area = *area;
  out.screening.clinician_override = !request.override_reason().empty();
  out.screening.override_reason = request.override_reason();
  out.today = today;
  return out;
}

Checked<core::BodyArea> to_area(const api::SessionAreaRequest& request) {
  const auto area = to_core(request.area());
  if (!area) {
    return invalid("area", "a BODY_AREA_ value", "unspecified");
  }
  return *area;
}

Checked<core::PulseParameters> to_pulse_parameters(const api::ParametersRequest& request,
                                                   const core::Envelope& e) {
  const std::int64_t depth_max = std::max(e.face_depth_max.value(), e.body_depth_max.value());
  if (auto err = check_range(request.depth_um(), "depth_um", e.depth_min.value(), depth_max)) {
    return *err;
  }
  if (request.depth_um() % e.depth_step.value() != 0) {
    return invalid("depth_um", "a multiple of " + std::to_string(e.depth_step.value()) + " um",
                   "not a depth step");
  }
  if (auto err = check_power_and_duration(request.power_mw(), request.duration_ms(), e)) {
    return *err;
  }
  core::PulseParameters p;
  p.depth = Micrometres{request.depth_um()};
  p.power = Milliwatts{request.power_mw()};
  p.duration = milliseconds(request.duration_ms());
  p.depth_confirmed = request.confirm_outside_range();
  return p;
}

Checked<core::CalibrationRequest> to_calibration_request(const api::CalibrationRunRequest& request,
                                                         const core::CoreConfig& config,
                                                         std::int32_t today) {
  // device.proto's FixtureMeasure.load_index range.
  constexpr std::int64_t kMaxLoadIndex = 7;
  if (auto err = check_range(request.load_index(), "load_index", 0, kMaxLoadIndex)) {
    return *err;
  }
  const core::Envelope& e = config.envelope;
  if (auto err = check_power_and_duration(request.power_mw(), request.duration_ms(), e)) {
    return *err;
  }
  core::CalibrationRequest r;
  r.load_index = request.load_index();
  r.power = Milliwatts{request.power_mw()};
  r.duration = milliseconds(request.duration_ms());
  r.today = today;
  const Microjoules cap = config.calibration.max_pulse_energy;
  if (energy(r.power, r.duration) > cap) {
    return invalid("power_mw",
                   "power_mw x duration_ms at most " + std::to_string(cap.value() / 1000) +
                       " mJ per calibration pulse (SR-66)",
                   "too much energy");
  }
  return r;
}

std::optional<api::ErrorBody> check_login(const api::LoginRequest& request) {
  if (request.role() != api::ROLE_OPERATOR && request.role() != api::ROLE_SERVICE) {
    return invalid("role", "ROLE_OPERATOR or ROLE_SERVICE",
                   request.role() == api::ROLE_UNSPECIFIED ? "unspecified" : "not a log-in role");
  }
  if (request.role() == api::ROLE_OPERATOR) {
    if (auto e = check_text(request.user(), "user", kMaxUserSize, true)) {
      return e;
    }
  }
  return check_text(request.secret(), "secret", kMaxSecretSize, true);
}

Checked<std::string> to_reset_reason(const api::ResetRequest& request) {
  if (auto e = check_text(request.reason(), "reason", kMaxReasonSize, true)) {
    return *e;
  }
  return request.reason();
}

Checked<EventQuery> to_event_query(std::string_view query) {
  EventQuery q;
  for (const QueryParam& p : split_query(query)) {
    if (p.key == "after_id") {
      const auto v = to_uint(p.value);
      if (!v) {
        return invalid("after_id", "an event ID (unsigned integer)", "wrong type");
      }
      q.after_id = *v;
    } else if (p.key == "since" || p.key == "until") {
      const auto t = to_wall(p.value);
      if (!t) {
        return invalid(std::string(p.key), "an RFC 3339 time, e.g. 2026-01-01T00:00:00Z",
                       "wrong type");
      }
      (p.key == "since" ? q.since : q.until) = *t;
    } else if (p.key == "severity") {
      api::Severity s = api::SEVERITY_UNSPECIFIED;
      if (!api::Severity_Parse(p.value, &s) && !api::Severity_Parse("SEVERITY_" + p.value, &s)) {
        return invalid("severity", "a severity, e.g. WARNING_LOW", "unknown value");
      }
      if (s == api::SEVERITY_UNSPECIFIED) {
        return invalid("severity", "a severity, e.g. WARNING_LOW", "unspecified");
      }
      q.min_severity = static_cast<core::Severity>(static_cast<int>(s) - 1);
    } else if (p.key == "limit") {
      if (auto e = parse_limit(p, q.limit)) {
        return *e;
      }
    } else {
      return invalid(std::string(p.key), "after_id, since, until, severity or limit",
                     "unknown parameter");
    }
  }
  if (q.since && q.until && *q.since > *q.until) {
    return invalid("until", "not before since");
  }
  return q;
}

Checked<std::uint32_t> to_session_limit(std::string_view query) {
  std::uint32_t limit = 100;
  for (const QueryParam& p : split_query(query)) {
    if (p.key != "limit") {
      return invalid(std::string(p.key), "limit", "unknown parameter");
    }
    if (auto e = parse_limit(p, limit)) {
      return *e;
    }
  }
  return limit;
}

}  // namespace rfneedle::daemon
