// The routes with a request body or a store query; the simple ones are in api_service.cpp.
#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <cmath>

#include "controller/daemon/api_convert.h"
#include "controller/daemon/api_json.h"
#include "controller/daemon/api_service.h"
#include "controller/daemon/api_validation.h"

namespace rfneedle::daemon {
namespace {

HttpResponse bad_request(const api::ErrorBody& body) { return error_response(400, body); }

// Parses the body into `message` and refuses an unspecified enum: a 400 naming the field.
std::optional<HttpResponse> parse(const HttpRequest& request, google::protobuf::Message& message) {
  if (auto e = parse_json(request.body, message)) {
    return bad_request(*e);
  }
  if (auto field = first_unspecified_enum(message)) {
    return bad_request(error_body("unspecified", *field, "a value other than *_UNSPECIFIED"));
  }
  return std::nullopt;
}

template <typename T>
const api::ErrorBody* refusal(const Checked<T>& checked) {
  return std::get_if<api::ErrorBody>(&checked);
}

}  // namespace

void ApiService::login(const HttpRequest& request, const Respond& respond) {
  api::LoginRequest body;
  if (auto e = parse_json(request.body, body)) {
    return respond(bad_request(*e));
  }
  if (auto e = check_login(body)) {
    return respond(bad_request(*e));
  }
  const Role role = body.role() == api::ROLE_SERVICE ? Role::kService : Role::kOperator;
  const std::string user = role == Role::kService ? "" : body.user();
  const Instant now = options_.steady_now();
  auto begun = auth_.begin_login(role, user, now);
  if (const auto* refused = std::get_if<Authenticator::Refused>(&begun)) {
    api::ErrorBody e = error_body("too many failed log-ins", "secret",
                                  "5 failures wait 30 s, doubling up to 15 min (SR-74)");
    const auto s = std::chrono::duration_cast<std::chrono::duration<double>>(refused->retry_after);
    e.set_retry_after_s(static_cast<std::uint32_t>(std::ceil(s.count())));
    return respond(error_response(429, e));
  }
  const auto check = std::get<Authenticator::Check>(begun);
  std::weak_ptr<int> alive = alive_;
  const bool started = worker_.try_run(
      [hash = check.hash, secret = body.secret()] { return verify_secret(hash, secret); },
      [this, alive, check, role, user, respond](bool verified) {
        if (alive.expired()) {
          return;
        }
        const Instant at = options_.steady_now();
        const auto token = auth_.finish_login(check, role, user, verified, at);
        if (!token) {
          return respond(error_response(401, error_body("wrong user or secret", "secret",
                                                        "the account's PIN or the service key")));
        }
        api::LoginResponse out;
        out.set_token(*token);
        const Duration life =
            role == Role::kService ? TokenTable::kServiceLifetime : TokenTable::kOperatorLifetime;
        *out.mutable_expires_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
            options_.wall_now() +
            std::chrono::duration_cast<std::chrono::milliseconds>(life).count());
        out.set_role(role == Role::kService ? api::ROLE_SERVICE : api::ROLE_OPERATOR);
        out.set_user(role == Role::kService ? "service" : user);
        respond({200, to_json(out)});
      });
  if (!started) {
    api::ErrorBody e = error_body("busy checking another log-in", "", "one log-in at a time");
    e.set_retry_after_s(1);
    respond(error_response(429, e));
  }
}

void ApiService::open_session(const HttpRequest& request, const Caller& caller,
                              const Respond& respond) {
  api::OpenSessionRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_session_request(body, caller.user(), to_day(options_.wall_now()));
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  ask_core(OpenSession{std::get<core::SessionRequest>(std::move(checked))}, respond);
}

void ApiService::set_area(const HttpRequest& request, const Respond& respond) {
  api::SessionAreaRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_area(body);
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  ask_core(ChangeArea{std::get<core::BodyArea>(checked)}, respond);
}

void ApiService::set_parameters(const HttpRequest& request, const Respond& respond) {
  api::ParametersRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_pulse_parameters(body, options_.core_config.envelope);
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  ask_core(SetParameters{std::get<core::PulseParameters>(checked)}, respond);
}

void ApiService::reset_faults(const HttpRequest& request, const Respond& respond) {
  api::ResetRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_reset_reason(body);
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  ask_core(ServiceReset{std::get<std::string>(checked)}, respond);
}

// SR-87: the reason is kept in the audit log with the request, like a reset's.
void ApiService::confirm_clock(const HttpRequest& request, const Respond& respond) {
  api::ResetRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_reset_reason(body);
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  if (!gateway_.confirm_clock()) {
    return respond(error_response(
        409, error_body("the wall clock is not held", "",
                        "only a clock earlier than the latest stored record needs confirming")));
  }
  api::ClockConfirmed confirmed;
  *confirmed.mutable_wall_time() =
      google::protobuf::util::TimeUtil::MillisecondsToTimestamp(options_.wall_now());
  respond({200, to_json(confirmed)});
}

void ApiService::sim_faults(const HttpRequest& request, const Respond& respond) {
  api::SimFaultRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  if (body.command().empty() || body.command().size() > 256) {
    return respond(bad_request(error_body("missing", "command", "1..256 bytes")));
  }
  // SR-77: only to a simulator, and only when both boards' handshakes say simulated.
  if (!gateway_.boards_simulated()) {
    return respond(error_response(409, error_body("the boards are not simulated", "",
                                                  "both handshakes report simulated (SR-77)")));
  }
  if (!options_.forward_sim_fault) {
    return respond(error_response(
        409, error_body("no simulator control socket", "", "rfneedled --sim-control PATH")));
  }
  std::weak_ptr<int> alive = alive_;
  options_.forward_sim_fault(body.command(), [alive, respond](bool ok, std::string text) {
    if (alive.expired()) {
      return;
    }
    if (!ok) {
      return respond(error_response(502, error_body(text, "", "the simulator's answer")));
    }
    api::SimFaultResponse out;
    out.set_reply(std::move(text));
    respond({200, to_json(out)});
  });
}

void ApiService::calibration_run(const HttpRequest& request, const Respond& respond) {
  api::CalibrationRunRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_calibration_request(body, options_.core_config, to_day(options_.wall_now()));
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  ask_core(Calibrate{std::get<core::CalibrationRequest>(checked)}, respond);
}

HttpResponse ApiService::calibration(std::string_view query) {
  auto checked = to_session_limit(query);
  if (const auto* e = refusal(checked)) {
    return bad_request(*e);
  }
  const core::Status& status = gateway_.status();
  api::CalibrationReport out;
  if (status.calibration) {
    fill(out.mutable_in_force(), *status.calibration);
  }
  *out.mutable_progress() = to_api(status.calibration_progress);
  for (const StoredCalibration& c : store_.calibrations(std::get<std::uint32_t>(checked))) {
    *out.add_history() = to_api(c);
  }
  return {200, to_json(out)};
}

HttpResponse ApiService::events(std::string_view query) {
  auto checked = to_event_query(query);
  if (const auto* e = refusal(checked)) {
    return bad_request(*e);
  }
  api::EventList out;
  for (const StoredEvent& event : store_.events(std::get<EventQuery>(checked))) {
    *out.add_events() = to_api(event);
  }
  return {200, to_json(out)};
}

HttpResponse ApiService::sessions(std::string_view query) {
  auto checked = to_session_limit(query);
  if (const auto* e = refusal(checked)) {
    return bad_request(*e);
  }
  api::SessionList out;
  for (const SessionRecord& s : store_.sessions(std::get<std::uint32_t>(checked))) {
    *out.add_sessions() = to_api(s);
  }
  return {200, to_json(out)};
}

HttpResponse ApiService::session(std::string_view id_text) {
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc{} || end != id_text.data() + id_text.size() || id_text.empty()) {
    return bad_request(error_body("wrong type", "id", "a session ID (unsigned integer)"));
  }
  const auto found = store_.session(id);
  if (!found) {
    return error_response(404, error_body("no such session", "id", "a stored session's ID"));
  }
  api::SessionDetail out;
  *out.mutable_session() = to_api(*found);
  for (const StoredPulse& p : store_.pulses_of_session(id)) {
    *out.add_pulses() = to_api(p);
  }
  return {200, to_json(out)};
}

}  // namespace rfneedle::daemon
