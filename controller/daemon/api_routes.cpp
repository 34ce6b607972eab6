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

void ApiService::login(const HttpRequest& request, const Caller& caller, const Respond& respond) {
  api::LoginRequest body;
  if (auto e = parse_json(request.body, body)) {
    return respond(bad_request(*e));
  }
  if (auto e = check_login(body)) {
    return respond(bad_request(*e));
  }
  const Role role = body.role() == api::ROLE_SERVICE ? Role::kService : Role::kOperator;
  const std::string user = role == Role::kService ? "" : body.user();
  const std::string parameters = "role=" + std::string(name(role)) + " user=" + user;
  const Instant now = options_.steady_now();
  auto begun = auth_.begin_login(role, user, now);
  if (const auto* refused = std::get_if<Authenticator::Refused>(&begun)) {
    api::ErrorBody e = error_body("too many failed log-ins", "secret",
                                  "5 failures wait 30 s, doubling up to 15 min (SR-74)");
    const auto s = std::chrono::duration_cast<std::chrono::duration<double>>(refused->retry_after);
    e.set_retry_after_s(static_cast<std::uint32_t>(std::ceil(s.count())));
    return reply(caller, "login", parameters, error_response(429, e), respond);
  }
  const auto check = std::get<Authenticator::Check>(begun);
  std::weak_ptr<int> alive = alive_;
  const bool started = worker_.try_run(
      [hash = check.hash, secret = body.secret()] { return verify_secret(hash, secret); },
      [this, alive, check, role, user, parameters, caller, respond](bool verified) {
        if (alive.expired()) {
          return;
        }
        const Instant at = options_.steady_now();
        const auto token = auth_.finish_login(check, role, user, verified, at);
        if (!token) {
          return reply(caller, "login", parameters,
                       error_response(401, error_body("wrong user or secret", "secret",
                                                      "the account's PIN or the service key")),
                       respond);
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
        reply(caller, "login", parameters, {200, to_json(out)}, respond);
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
  const std::string parameters =
      "area=" + api::BodyArea_Name(body.area()) +
      (body.override_reason().empty() ? "" : " override_reason=" + body.override_reason());
  ask_core(OpenSession{std::get<core::SessionRequest>(std::move(checked))}, caller, "session",
           parameters, respond);
}

void ApiService::set_area(const HttpRequest& request, const Caller& caller,
                          const Respond& respond) {
  api::SessionAreaRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_area(body);
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  ask_core(ChangeArea{std::get<core::BodyArea>(checked)}, caller, "session/area",
           "area=" + api::BodyArea_Name(body.area()), respond);
}

void ApiService::set_parameters(const HttpRequest& request, const Caller& caller,
                                const Respond& respond) {
  api::ParametersRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_pulse_parameters(body, options_.core_config.envelope);
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  const std::string parameters =
      "depth_um=" + std::to_string(body.depth_um()) +
      " power_mw=" + std::to_string(body.power_mw()) +
      " duration_ms=" + std::to_string(body.duration_ms()) +
      " confirm_outside_range=" + (body.confirm_outside_range() ? "true" : "false");
  ask_core(SetParameters{std::get<core::PulseParameters>(checked)}, caller, "parameters",
           parameters, respond);
}

void ApiService::reset_faults(const HttpRequest& request, const Caller& caller,
                              const Respond& respond) {
  api::ResetRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_reset_reason(body);
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  ask_core(ServiceReset{std::get<std::string>(checked)}, caller, "faults/reset",
           "reason=" + body.reason(), respond);
}

void ApiService::sim_faults(const HttpRequest& request, const Caller& caller,
                            const Respond& respond) {
  api::SimFaultRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  if (body.command().empty() || body.command().size() > 256) {
    return respond(bad_request(error_body("missing", "command", "1..256 bytes")));
  }
  const std::string parameters = "command=" + body.command();
  // SR-77: only to a simulator, and only when both boards' handshakes say simulated.
  if (!gateway_.boards_simulated()) {
    return reply(caller, "service/sim/faults", parameters,
                 error_response(409, error_body("the boards are not simulated", "",
                                                "both handshakes report simulated (SR-77)")),
                 respond);
  }
  if (!options_.forward_sim_fault) {
    return reply(caller, "service/sim/faults", parameters,
                 error_response(409, error_body("no simulator control socket", "",
                                                "rfneedled --sim-control PATH")),
                 respond);
  }
  std::weak_ptr<int> alive = alive_;
  options_.forward_sim_fault(body.command(), [this, alive, caller, parameters, respond](
                                                 bool ok, std::string text) {
    if (alive.expired()) {
      return;
    }
    if (!ok) {
      return reply(caller, "service/sim/faults", parameters,
                   error_response(502, error_body(text, "", "the simulator's answer")), respond);
    }
    api::SimFaultResponse out;
    out.set_reply(std::move(text));
    reply(caller, "service/sim/faults", parameters, {200, to_json(out)}, respond);
  });
}

void ApiService::calibration_run(const HttpRequest& request, const Caller& caller,
                                 const Respond& respond) {
  api::CalibrationRunRequest body;
  if (auto e = parse(request, body)) {
    return respond(*e);
  }
  auto checked = to_calibration_request(body, options_.core_config, to_day(options_.wall_now()));
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  const std::string parameters = "load_index=" + std::to_string(body.load_index()) +
                                 " power_mw=" + std::to_string(body.power_mw()) +
                                 " duration_ms=" + std::to_string(body.duration_ms());
  ask_core(Calibrate{std::get<core::CalibrationRequest>(checked)}, caller,
           "service/calibration/run", parameters, respond);
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
