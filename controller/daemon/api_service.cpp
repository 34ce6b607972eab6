#include "controller/daemon/api_service.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>

#include "controller/daemon/api_convert.h"
#include "controller/daemon/api_json.h"

namespace rfneedle::daemon {

enum class Access : std::uint8_t {
  kAnyone,          // login, and STOP from loopback
  kTokenOrDisplay,  // status, presets, stream
  kToken,           // either role
  kOperator,
  kService,
};

enum class RouteId : std::uint8_t {
  kLogin,
  kLogout,
  kStatus,
  kStop,
  kPresets,
  kOpenSession,
  kCloseSession,
  kResumeSession,
  kSessionArea,
  kSessionCartridge,
  kParameters,
  kArm,
  kDisarm,
  kAcknowledge,
  kReset,
  kEvents,
  kSessions,
  kSession,
  kPatientCourse,
  kSessionExport,
  kStream,
  kServiceEnter,
  kServiceExit,
  kSelfTest,
  kCounters,
  kVersions,
  kConfig,
  kLink,
  kSimFaults,
  kOperators,
  kCreateOperator,
  kResetOperator,
  kDisableOperator,
  kEnableOperator,
  kAuditVerify,
  kCalibration,
  kCalibrationRun,
  kCalibrationComplete,
  kClockConfirm,
};

struct ApiService::Route {
  std::string_view method;
  std::string_view path;  // under /api/v1/; a "{}" segment takes any one segment ({id})
  Access access;
  RouteId id;
};

std::string ApiService::Caller::role() const {
  if (identity) {
    return std::string(name(identity->role));
  }
  return display ? "display" : "anonymous";
}

namespace {

using Route = ApiService::Route;  // for the table below

constexpr std::array kRoutes = {
    Route{"POST", "login", Access::kAnyone, RouteId::kLogin},
    Route{"POST", "logout", Access::kToken, RouteId::kLogout},
    Route{"GET", "status", Access::kTokenOrDisplay, RouteId::kStatus},
    Route{"POST", "stop", Access::kAnyone, RouteId::kStop},
    Route{"GET", "presets", Access::kTokenOrDisplay, RouteId::kPresets},
    Route{"POST", "session", Access::kOperator, RouteId::kOpenSession},
    Route{"POST", "session/close", Access::kOperator, RouteId::kCloseSession},
    // SR-89: an interrupted session continues with its bound cartridge.
    Route{"POST", "session/{}/resume", Access::kOperator, RouteId::kResumeSession},
    Route{"POST", "session/area", Access::kOperator, RouteId::kSessionArea},
    Route{"POST", "session/cartridge", Access::kOperator, RouteId::kSessionCartridge},
    Route{"PUT", "parameters", Access::kOperator, RouteId::kParameters},
    Route{"POST", "arm", Access::kOperator, RouteId::kArm},
    Route{"POST", "disarm", Access::kOperator, RouteId::kDisarm},
    Route{"POST", "faults/acknowledge", Access::kOperator, RouteId::kAcknowledge},
    Route{"POST", "faults/reset", Access::kService, RouteId::kReset},
    Route{"GET", "events", Access::kToken, RouteId::kEvents},
    Route{"GET", "sessions", Access::kToken, RouteId::kSessions},
    Route{"GET", "sessions/{}", Access::kToken, RouteId::kSession},
    Route{"GET", "patients/{}/course", Access::kOperator, RouteId::kPatientCourse},
    Route{"GET", "sessions/{}/export", Access::kToken, RouteId::kSessionExport},
    Route{"GET", "stream", Access::kTokenOrDisplay, RouteId::kStream},
    Route{"POST", "service/enter", Access::kService, RouteId::kServiceEnter},
    Route{"POST", "service/exit", Access::kService, RouteId::kServiceExit},
    Route{"POST", "service/selftest", Access::kService, RouteId::kSelfTest},
    Route{"GET", "service/counters", Access::kService, RouteId::kCounters},
    Route{"GET", "service/versions", Access::kService, RouteId::kVersions},
    Route{"GET", "service/config", Access::kService, RouteId::kConfig},
    Route{"GET", "service/link", Access::kService, RouteId::kLink},
    Route{"POST", "service/sim/faults", Access::kService, RouteId::kSimFaults},
    Route{"GET", "service/operators", Access::kService, RouteId::kOperators},
    Route{"POST", "service/operators", Access::kService, RouteId::kCreateOperator},
    Route{"POST", "service/operators/{}/reset", Access::kService, RouteId::kResetOperator},
    Route{"POST", "service/operators/{}/disable", Access::kService, RouteId::kDisableOperator},
    Route{"POST", "service/operators/{}/enable", Access::kService, RouteId::kEnableOperator},
    Route{"GET", "service/audit/verify", Access::kService, RouteId::kAuditVerify},
    // SR-66, SR-73: calibration is the service role's; the core runs it in Service only.
    Route{"GET", "service/calibration", Access::kService, RouteId::kCalibration},
    Route{"POST", "service/calibration/run", Access::kService, RouteId::kCalibrationRun},
    Route{"POST", "service/calibration/complete", Access::kService, RouteId::kCalibrationComplete},
    // SR-87: the wall clock behind the latest stored record, confirmed by the service role.
    Route{"POST", "service/clock/confirm", Access::kService, RouteId::kClockConfirm},
};

constexpr std::string_view kPrefix = "/api/v1/";
constexpr std::string_view kMetricsPath = "/metrics";

// The path's segment in the pattern's "{}" (e.g. a session ID), if the path matches.
std::optional<std::string_view> path_match(std::string_view pattern, std::string_view path) {
  std::string_view argument;
  while (true) {
    const std::size_t p_end = pattern.find('/');
    const std::size_t s_end = path.find('/');
    const std::string_view p = pattern.substr(0, p_end);
    const std::string_view segment = path.substr(0, s_end);
    if (p == "{}" ? segment.empty() : p != segment) {
      return std::nullopt;
    }
    if (p == "{}") {
      argument = segment;
    }
    if (p_end == std::string_view::npos || s_end == std::string_view::npos) {
      if (p_end != s_end) {
        return std::nullopt;
      }
      return argument;
    }
    pattern.remove_prefix(p_end + 1);
    path.remove_prefix(s_end + 1);
  }
}

HttpResponse error(unsigned status, std::string what, std::string field, std::string rule) {
  return error_response(status, error_body(std::move(what), std::move(field), std::move(rule)));
}

bool is_json(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  std::string type(content_type.substr(0, semicolon));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type == "application/json";
}

bool is_mutating(std::string_view method) { return method != "GET" && method != "HEAD"; }

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) {
    return {};
  }
  return authorization.substr(kBearer.size());
}

unsigned core_refusal_status() { return 409; }

std::string_view code_rule(core::ResponseCode code) {
  switch (code) {
    case core::ResponseCode::kValidationError:
      return "refused by the core: validation";
    case core::ResponseCode::kBusy:
      return "refused by the core: busy";
    default:
      return "refused by the core";
  }
}

}  // namespace

HttpResponse error_response(unsigned status, const api::ErrorBody& body) {
  HttpResponse r{status, to_json(body)};
  if (body.has_retry_after_s()) {
    r.retry_after_s = body.retry_after_s();
  }
  return r;
}

ApiService::ApiService(DeviceGateway& gateway, Store& store, ApiOptions options,
                       HashWorker::Post post)
    : gateway_(gateway),
      store_(store),
      options_(std::move(options)),
      presets_(to_api_presets(options_.core_config, options_.after_care.empty()
                                                        ? default_after_care()
                                                        : options_.after_care)),
      post_(post),
      auth_([this](Role role, const std::string& user) { return find_account(role, user); }),
      worker_(std::move(post)) {
  if (!options_.service_key_hash.empty()) {
    if (auto why = check_hash(options_.service_key_hash)) {
      throw std::invalid_argument("accounts.service_key_hash: " + *why);
    }
  }
  seed_operators();
  gateway_.add_listener(*this);
}

ApiService::~ApiService() { gateway_.remove_listener(*this); }

void ApiService::handle(const HttpRequest& request, const Respond& respond) {
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  const bool api = path.starts_with(kPrefix);
  const std::string_view rest = api ? path.substr(kPrefix.size()) : std::string_view{};
  const Route* found = nullptr;
  std::string allow;
  for (const Route& route : api ? std::span(kRoutes) : std::span<const Route>{}) {
    if (!path_match(route.path, rest)) {
      continue;
    }
    if (route.method == request.method) {
      found = &route;
      break;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(route.method);
  }
  if (found != nullptr && found->id == RouteId::kStop) {
    return stop(request, respond);
  }
  const Caller caller = caller_of(request);
  // SR-72: every mutating request, accepted or refused, is recorded before it is answered.
  const Respond answer =
      is_mutating(request.method) ? audited(caller, request, std::string(path), respond) : respond;
  if (auto refused = refuse_browser(request)) {
    return answer(std::move(*refused));
  }
  if (path == kMetricsPath) {
    if (request.method != "GET") {
      HttpResponse r = error(405, "method not allowed", "", "GET");
      r.allow = "GET";
      return answer(std::move(r));
    }
    if (!request.from_loopback) {
      return answer(error(403, "metrics on the API's address only from the device itself", "",
                          "loopback, or the --metrics-listen address"));
    }
    return answer(metrics());
  }
  if (!api) {
    if (request.method != "GET" && request.method != "HEAD") {
      return answer(error(405, "method not allowed", "", "GET"));
    }
    return answer(serve_static(path));
  }
  if (found == nullptr) {
    HttpResponse r = allow.empty() ? error(404, "no such route", "", "a route of docs/api.md")
                                   : error(405, "method not allowed", "", allow);
    r.allow = allow;
    return answer(std::move(r));
  }
  dispatch(*found, request, caller, answer);
}

HttpResponse ApiService::metrics() const {
  if (!options_.metrics) {
    return error(404, "no such route", "", "a route of docs/api.md");
  }
  return {200, options_.metrics(), kMetricsContentType};
}

bool ApiService::is_loopback_stop(const HttpRequest& request) {
  const std::string_view target = request.target;
  return request.from_loopback && request.method == "POST" &&
         target.substr(0, target.find('?')) == std::string(kPrefix) + "stop";
}

HttpResponse ApiService::stop_answer() {
  api::Accepted accepted;
  accepted.set_ok(true);
  return {200, to_json(accepted)};
}

void ApiService::audit_stop() { (void)audit(Caller{}, "/api/v1/stop", "", "200"); }

void ApiService::refuse_unread(const HttpRequest& request, HttpResponse response,
                               const Respond& respond) {
  const std::string_view target = request.target;
  if (!is_mutating(request.method)) {
    return respond(std::move(response));
  }
  audited(caller_of(request), request, std::string(target.substr(0, target.find('?'))),
          respond)(std::move(response));
}

ApiService::Caller ApiService::caller_of(const HttpRequest& request) {
  Caller caller;
  caller.token = std::string(bearer_token(request.authorization));
  if (!caller.token.empty()) {
    caller.identity = auth_.identify(caller.token, options_.steady_now());
  }
  caller.display = !caller.identity && request.display && request.from_loopback;
  return caller;
}

void ApiService::stop(const HttpRequest& request, const Respond& respond) {
  // SR-76: from the device itself, no token, never refused, throttled or queued; the
  // core acts first, the audit follows (issue 10). Neither Host nor Origin is checked:
  // a STOP from anywhere on the device only ever makes it safer.
  if (!request.from_loopback) {
    respond(error(403, "STOP without a token only from the device itself", "", "loopback"));
    return;
  }
  gateway_.stop();
  respond(stop_answer());
  audit_stop();
}

api::Presets ApiService::presets_now() {
  // The touchscreen's log-in picker: the enabled operators' user names, never a hash.
  api::Presets presets = presets_;
  for (const OperatorRecord& account : store_.operators()) {
    if (!account.disabled) {
      presets.add_operators(account.user);
    }
  }
  return presets;
}

void ApiService::dispatch(const Route& route, const HttpRequest& request, const Caller& caller,
                          const Respond& respond) {
  if (is_mutating(request.method) && !is_json(request.content_type)) {
    // Issue 10: no cross-origin form post (which cannot send application/json without a
    // preflight) gets further than this, so none can lock an operator out.
    respond(error(415, "unsupported media type", "Content-Type", "application/json"));
    return;
  }
  switch (route.access) {
    case Access::kAnyone:
      break;
    case Access::kTokenOrDisplay:
      if (caller.display) {
        break;
      }
      [[fallthrough]];
    case Access::kToken:
    case Access::kOperator:
    case Access::kService:
      if (!caller.identity) {
        respond(error(401, caller.token.empty() ? "log-in required" : "token unknown or expired",
                      "Authorization", "Bearer <token from POST /api/v1/login>"));
        return;
      }
      if (route.access == Access::kOperator && caller.identity->role != Role::kOperator) {
        respond(error(403, "operator role required", "Authorization", "operator role"));
        return;
      }
      if (route.access == Access::kService && caller.identity->role != Role::kService) {
        respond(error(403, "service role required", "Authorization", "service role"));
        return;
      }
      break;
  }
  if (caller.identity && route.id != RouteId::kLogin && route.id != RouteId::kLogout &&
      locked_out(*caller.identity)) {
    respond(error(423, "the screen is locked: log in again", "", "PIN after the idle lock"));
    return;
  }
  const std::string_view target = request.target;
  const auto q = target.find('?');
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  const std::string argument(
      path_match(route.path, target.substr(0, q).substr(kPrefix.size())).value_or(""));
  switch (route.id) {
    case RouteId::kLogin:
      return login(request, respond);
    case RouteId::kLogout: {
      auth_.logout(caller.token);
      api::Accepted ok;
      ok.set_ok(true);
      return respond({200, to_json(ok)});
    }
    case RouteId::kStatus:
      return respond(status_now());
    case RouteId::kPresets:
      return respond({200, to_json(presets_now())});
    case RouteId::kOpenSession:
      return open_session(request, caller, respond);
    case RouteId::kCloseSession:
      return ask_core(CloseSession{}, respond);
    case RouteId::kResumeSession:
      return resume_session(argument, caller, respond);
    case RouteId::kSessionArea:
      return set_area(request, respond);
    case RouteId::kSessionCartridge:
      return ask_core(SwapCartridge{}, respond);
    case RouteId::kParameters:
      return set_parameters(request, respond);
    case RouteId::kArm:
      return ask_core(Arm{caller.user()}, respond);
    case RouteId::kDisarm:
      return ask_core(Disarm{}, respond);
    case RouteId::kAcknowledge:
      return ask_core(Acknowledge{}, respond);
    case RouteId::kReset:
      return reset_faults(request, respond);
    case RouteId::kEvents:
      return respond(events(query));
    case RouteId::kSessions:
      return respond(sessions(query));
    case RouteId::kSession:
      return respond(session(argument));
    case RouteId::kPatientCourse:
      return respond(patient_course(argument));
    case RouteId::kSessionExport:
      return respond(session_export(argument, query, caller));
    case RouteId::kStream:
      return respond(error(400, "WebSocket upgrade required", "Upgrade", "websocket"));
    case RouteId::kServiceEnter:
      return ask_core(EnterService{}, respond);
    case RouteId::kServiceExit:
      return ask_core(ExitService{}, respond);
    case RouteId::kSelfTest:
      return ask_core(RunSelfTest{}, respond);
    case RouteId::kCounters:
      return respond(counters());
    case RouteId::kVersions:
      return respond({200, to_json(options_.versions ? options_.versions() : api::Versions())});
    case RouteId::kConfig: {
      api::ConfigText text;
      text.set_text(options_.config_text ? options_.config_text() : "");
      return respond({200, to_json(text)});
    }
    case RouteId::kLink:
      return respond(
          {200, to_json(options_.link_stats ? options_.link_stats() : api::LinkStats())});
    case RouteId::kSimFaults:
      return sim_faults(request, respond);
    case RouteId::kOperators:
      return respond(list_operators());
    case RouteId::kCreateOperator:
      return create_operator(request, respond);
    case RouteId::kResetOperator:
      return reset_operator(request, argument, respond);
    case RouteId::kDisableOperator:
      return respond(set_operator_disabled(argument, true));
    case RouteId::kEnableOperator:
      return respond(set_operator_disabled(argument, false));
    case RouteId::kAuditVerify:
      return verify_audit(respond);
    case RouteId::kCalibration:
      return respond(calibration(query));
    case RouteId::kCalibrationRun:
      return calibration_run(request, respond);
    case RouteId::kCalibrationComplete:
      return ask_core(CompleteCalibration{to_day(options_.wall_now())}, respond);
    case RouteId::kClockConfirm:
      return confirm_clock(request, respond);
    case RouteId::kStop:
      break;
  }
}

bool ApiService::locked_out(const Identity& identity) {
  if (identity.role != Role::kOperator) {
    return false;
  }
  if (!gateway_.status().screen_locked) {
    locked_since_.reset();
    return false;
  }
  if (!locked_since_) {
    locked_since_ = options_.steady_now();
  }
  // "Until the PIN is entered again": a token from a log-in after the lock began works.
  return identity.issued <= *locked_since_;
}

void ApiService::ask_core(CoreRequest request, const Respond& respond) {
  std::weak_ptr<int> alive = alive_;
  gateway_.request(std::move(request), [alive, respond](const CoreReply& r) {
    if (alive.expired()) {
      return;
    }
    if (!r.ok()) {
      return respond(
          error(core_refusal_status(), r.reason, r.field, std::string(code_rule(r.code))));
    }
    api::Accepted ok;
    ok.set_ok(true);
    respond({200, to_json(ok)});
  });
}

HttpResponse ApiService::status_now() const {
  return {200, to_json(to_api(gateway_.status(), gateway_.boards_simulated(), gateway_.store_problem()))};
}

HttpResponse ApiService::serve_static(std::string_view path) const {
  if (options_.frontend_dir.empty()) {
    return error(404, "no such route", "", "a route of docs/api.md");
  }
  std::string rel(path.substr(path.starts_with('/') ? 1 : 0));
  if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos ||
      rel.find('\\') != std::string::npos) {
    return error(404, "no such file", "", "a file of the touchscreen");
  }
  std::filesystem::path file = options_.frontend_dir / rel;
  std::error_code ec;
  if (rel.empty() || std::filesystem::is_directory(file, ec)) {
    file /= "index.html";
  }
  std::ifstream in(file, std::ios::binary);
  if (!std::filesystem::is_regular_file(file, ec) || !in) {
    return error(404, "no such file", "", "a file of the touchscreen");
  }
  std::ostringstream body;
  body << in.rdbuf();
  static const std::array<std::pair<std::string_view, std::string_view>, 9> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json"},
      {".ico", "image/x-icon"},
  }};
  std::string type = "application/octet-stream";
  const std::string ext = file.extension().string();
  for (const auto& [e, t] : kTypes) {
    if (ext == e) {
      type = t;
    }
  }
  return {200, body.str(), type};
}

}  // namespace rfneedle::daemon
