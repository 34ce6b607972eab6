// The routes with a request body or a store query; the simple ones are in api_service.cpp.
#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <cmath>
#include <map>

#include "controller/daemon/api_convert.h"
#include "controller/daemon/api_json.h"
#include "controller/daemon/api_service.h"
#include "controller/daemon/api_validation.h"
#include "controller/daemon/course.h"
#include "controller/daemon/session_export.h"

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

// A path segment's percent-encoding (RFC 3986) undone; empty when malformed or when it
// decodes to a control character.
std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      unsigned value = 0;
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec != std::errc{} || end != text.data() + i + 3) {
        return std::nullopt;
      }
      c = static_cast<char>(value);
      i += 2;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return std::nullopt;
    }
    out.push_back(c);
  }
  return out;
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
        if (role != Role::kOperator || !gateway_.status().screen_locked) {
          return respond({200, to_json(out)});
        }
        // The PIN entered again ends the idle lock in the core too, answered once the core
        // has it, so the next snapshot and GET /status show the screen unlocked.
        gateway_.request(UnlockScreen{}, [alive, respond, json = to_json(out)](const CoreReply&) {
          if (!alive.expired()) {
            respond({200, json});
          }
        });
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
  const std::int32_t today = to_day(options_.wall_now());
  const core::ScreeningItems& items = options_.core_config.screening;
  auto checked = to_session_request(body, items, caller.user(), today);
  if (const auto* e = refusal(checked)) {
    return respond(bad_request(*e));
  }
  OpenSession open{std::get<core::SessionRequest>(std::move(checked)), {}, body.course_reason()};
  // SR-88: an area of this patient treated too recently needs a recorded reason.
  const auto recent = treated_within(store_.course(open.request.patient_ref), open.request.area,
                                     today, options_.min_course_interval_days);
  const std::string interval = std::to_string(options_.min_course_interval_days);
  if (recent && open.course_reason.empty()) {
    api::ErrorBody e = error_body(
        "this area was treated " + std::to_string(recent->days_ago) + " days ago (session " +
            std::to_string(recent->session_id) + ")",
        "course_reason",
        "a reason for a session sooner than " + interval + " days after the last on the area");
    return respond(error_response(409, e));
  }
  if (!recent && !open.course_reason.empty()) {
    return respond(
        bad_request(error_body("nothing to give a reason for", "course_reason",
                               "only for an area treated less than " + interval + " days before")));
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (open.request.screening.yes[i]) {
      open.screening_yes.push_back(items[i].id);
    }
  }
  ask_core(std::move(open), respond);
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
  // Fault injection only: the simulator's other control commands (its operator's hand,
  // unplugging a board, its clock) are not the service role's to send through the API.
  const std::string_view verb =
      std::string_view(body.command()).substr(0, body.command().find(' '));
  if (verb != "faults" && verb != "inject" && verb != "clear") {
    return respond(bad_request(
        error_body("not a fault command", "command", "faults, inject FAULT ... or clear ...")));
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
  std::map<std::string, std::vector<CourseSession>> courses;  // one read per patient
  for (const SessionRecord& s : store_.sessions(std::get<std::uint32_t>(checked))) {
    auto it = courses.find(s.patient_ref);
    if (it == courses.end()) {
      it = courses.emplace(s.patient_ref, store_.course(s.patient_ref)).first;
    }
    api::SessionSummary* summary = out.add_sessions();
    *summary = to_api(s);
    if (auto position = position_in(it->second, s.id)) {
      *summary->mutable_course() = std::move(*position);
    }
  }
  return {200, to_json(out)};
}

HttpResponse ApiService::session_export(std::string_view id_text, std::string_view query,
                                        const Caller& caller) {
  const std::string route = "/api/v1/sessions/" + std::string(id_text) + "/export";
  const std::string parameters = std::string(query);
  const auto answer = [&](HttpResponse response) {
    std::string result = std::to_string(response.status);
    if (response.status >= 400) {
      api::ErrorBody e;
      if (!parse_json(response.body, e)) {
        result += " " + e.error() + (e.field().empty() ? "" : " (" + e.field() + ")");
      }
    }
    if (!audit(caller, route, parameters, result)) {
      return error_response(
          503, error_body("the audit log could not be written", "", "audited before answered"));
    }
    return response;
  };
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc{} || end != id_text.data() + id_text.size() || id_text.empty()) {
    return answer(bad_request(error_body("wrong type", "id", "a session ID (unsigned integer)")));
  }
  std::optional<ExportFormat> format;
  if (query == "format=csv") format = ExportFormat::kCsv;
  if (query == "format=json") format = ExportFormat::kJson;
  if (query == "format=fhir") format = ExportFormat::kFhir;
  if (!format) {
    return answer(bad_request(error_body("unknown format", "format", "format=csv|json|fhir")));
  }
  const auto found = store_.session(id);
  if (!found) {
    return answer(
        error_response(404, error_body("no such session", "id", "a stored session's ID")));
  }
  const std::vector<std::string> after_care(presets_.after_care().begin(),
                                            presets_.after_care().end());
  SessionExport out = export_session(*found, store_.pulses_of_session(id), after_care, *format,
                                     caller.identity && caller.identity->role == Role::kOperator);
  return answer(HttpResponse{200, std::move(out.body), std::move(out.content_type)});
}

HttpResponse ApiService::patient_course(std::string_view encoded_ref) {
  const std::optional<std::string> ref = percent_decoded(encoded_ref);
  if (!ref || ref->empty() || ref->size() > kMaxPatientRefSize) {
    return bad_request(error_body("invalid patient reference", "ref",
                                  "1 to 64 characters, percent-encoded in the path"));
  }
  return {200,
          to_json(to_api_course(*ref, store_.course(*ref), options_.min_course_interval_days))};
}

HttpResponse ApiService::counters() {
  const std::optional<LifetimeCounters> lifetime = store_.lifetime_counters();
  if (!lifetime) {
    return error_response(503, error_body("the store could not be read", "", "a readable store"));
  }
  api::ServiceCounters out;
  *out.mutable_counters() = to_api(gateway_.status().counters);
  out.set_last_pulse_id(gateway_.status().last_pulse_id);
  *out.mutable_lifetime() = to_api(*lifetime);
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
  if (auto position = position_in(store_.course(found->patient_ref), id)) {
    *out.mutable_session()->mutable_course() = std::move(*position);
  }
  for (const StoredPulse& p : store_.pulses_of_session(id)) {
    *out.add_pulses() = to_api(p);
  }
  return {200, to_json(out)};
}

}  // namespace rfneedle::daemon
