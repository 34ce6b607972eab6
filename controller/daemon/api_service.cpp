#include "controller/daemon/api_service.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

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
  kStream,
  kServiceEnter,
  kServiceExit,
  kSelfTest,
  kCounters,
  kVersions,
  kConfig,
  kLink,
  kSimFaults,
  kCalibration,
  kCalibrationRun,
  kCalibrationComplete,
};

struct ApiService::Route {
  std::string_view method;
  std::string_view path;  // under /api/v1/; a trailing "/" takes one more segment ({id})
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
    Route{"POST", "session/area", Access::kOperator, RouteId::kSessionArea},
    Route{"POST", "session/cartridge", Access::kOperator, RouteId::kSessionCartridge},
    Route{"PUT", "parameters", Access::kOperator, RouteId::kParameters},
    Route{"POST", "arm", Access::kOperator, RouteId::kArm},
    Route{"POST", "disarm", Access::kOperator, RouteId::kDisarm},
    Route{"POST", "faults/acknowledge", Access::kOperator, RouteId::kAcknowledge},
    Route{"POST", "faults/reset", Access::kService, RouteId::kReset},
    Route{"GET", "events", Access::kToken, RouteId::kEvents},
    Route{"GET", "sessions", Access::kToken, RouteId::kSessions},
    Route{"GET", "sessions/", Access::kToken, RouteId::kSession},
    Route{"GET", "stream", Access::kTokenOrDisplay, RouteId::kStream},
    Route{"POST", "service/enter", Access::kService, RouteId::kServiceEnter},
    Route{"POST", "service/exit", Access::kService, RouteId::kServiceExit},
    Route{"POST", "service/selftest", Access::kService, RouteId::kSelfTest},
    Route{"GET", "service/counters", Access::kService, RouteId::kCounters},
    Route{"GET", "service/versions", Access::kService, RouteId::kVersions},
    Route{"GET", "service/config", Access::kService, RouteId::kConfig},
    Route{"GET", "service/link", Access::kService, RouteId::kLink},
    Route{"POST", "service/sim/faults", Access::kService, RouteId::kSimFaults},
    // SR-66, SR-73: calibration is the service role's; the core runs it in Service only.
    Route{"GET", "service/calibration", Access::kService, RouteId::kCalibration},
    Route{"POST", "service/calibration/run", Access::kService, RouteId::kCalibrationRun},
    Route{"POST", "service/calibration/complete", Access::kService, RouteId::kCalibrationComplete},
};

constexpr std::string_view kPrefix = "/api/v1/";

bool path_matches(std::string_view pattern, std::string_view path) {
  if (pattern.ends_with('/')) {
    return path.starts_with(pattern) && path.size() > pattern.size() &&
           path.substr(pattern.size()).find('/') == std::string_view::npos;
  }
  return pattern == path;
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
      auth_(options_.accounts),
      worker_(std::move(post)) {
  gateway_.add_listener(*this);
}

ApiService::~ApiService() { gateway_.remove_listener(*this); }

void ApiService::handle(const HttpRequest& request, const Respond& respond) {
  const std::string_view target = request.target;
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  if (!path.starts_with(kPrefix)) {
    if (request.method != "GET" && request.method != "HEAD") {
      respond(error(405, "method not allowed", "", "GET"));
      return;
    }
    respond(serve_static(path));
    return;
  }
  const std::string_view rest = path.substr(kPrefix.size());
  const Route* found = nullptr;
  std::string allow;
  for (const Route& route : kRoutes) {
    if (!path_matches(route.path, rest)) {
      continue;
    }
    if (route.method == request.method) {
      found = &route;
      break;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(route.method);
  }
  if (found == nullptr) {
    HttpResponse r = allow.empty() ? error(404, "no such route", "", "a route of docs/api.md")
                                   : error(405, "method not allowed", "", allow);
    r.allow = allow;
    respond(std::move(r));
    return;
  }
  dispatch(*found, request, respond);
}

void ApiService::dispatch(const Route& route, const HttpRequest& request, const Respond& respond) {
  Caller caller;
  if (route.id == RouteId::kStop) {
    // SR-76: from the device itself, no token, never refused, throttled or queued; the
    // core acts first, the audit follows (issue 10).
    if (!request.from_loopback) {
      respond(error(403, "STOP without a token only from the device itself", "", "loopback"));
      return;
    }
    gateway_.stop();
    api::Accepted accepted;
    accepted.set_ok(true);
    respond({200, to_json(accepted)});
    (void)audit(caller, "stop", "", 200);
    return;
  }
  const bool mutating = request.method != "GET";
  if (mutating && !is_json(request.content_type)) {
    respond(error(415, "unsupported media type", "Content-Type", "application/json"));
    return;
  }
  const std::string token(bearer_token(request.authorization));
  if (!token.empty()) {
    caller.identity = auth_.identify(token, options_.steady_now());
    caller.token = token;
  }
  caller.display = !caller.identity && request.display && request.from_loopback;
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
        respond(error(401, token.empty() ? "log-in required" : "token unknown or expired",
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
  const std::string_view path = request.target;
  const auto q = path.find('?');
  const std::string_view query = q == std::string_view::npos ? "" : path.substr(q + 1);
  const std::string name(route.path);
  switch (route.id) {
    case RouteId::kLogin:
      return login(request, caller, respond);
    case RouteId::kLogout: {
      auth_.logout(caller.token);
      api::Accepted ok;
      ok.set_ok(true);
      return reply(caller, name, "", {200, to_json(ok)}, respond);
    }
    case RouteId::kStatus:
      return respond(status_now());
    case RouteId::kPresets:
      return respond({200, to_json(presets_)});
    case RouteId::kOpenSession:
      return open_session(request, caller, respond);
    case RouteId::kCloseSession:
      return ask_core(CloseSession{}, caller, name, "", respond);
    case RouteId::kSessionArea:
      return set_area(request, caller, respond);
    case RouteId::kSessionCartridge:
      return ask_core(SwapCartridge{}, caller, name, "", respond);
    case RouteId::kParameters:
      return set_parameters(request, caller, respond);
    case RouteId::kArm:
      return ask_core(Arm{}, caller, name, "", respond);
    case RouteId::kDisarm:
      return ask_core(Disarm{}, caller, name, "", respond);
    case RouteId::kAcknowledge:
      return ask_core(Acknowledge{}, caller, name, "", respond);
    case RouteId::kReset:
      return reset_faults(request, caller, respond);
    case RouteId::kEvents:
      return respond(events(query));
    case RouteId::kSessions:
      return respond(sessions(query));
    case RouteId::kSession:
      return respond(session(path.substr(kPrefix.size() + route.path.size(),
                                         q == std::string_view::npos
                                             ? std::string_view::npos
                                             : q - kPrefix.size() - route.path.size())));
    case RouteId::kStream:
      return respond(error(400, "WebSocket upgrade required", "Upgrade", "websocket"));
    case RouteId::kServiceEnter:
      return ask_core(EnterService{}, caller, name, "", respond);
    case RouteId::kServiceExit:
      return ask_core(ExitService{}, caller, name, "", respond);
    case RouteId::kSelfTest:
      return ask_core(RunSelfTest{}, caller, name, "", respond);
    case RouteId::kCounters: {
      api::ServiceCounters c;
      *c.mutable_counters() = to_api(gateway_.status().counters);
      c.set_last_pulse_id(gateway_.status().last_pulse_id);
      return respond({200, to_json(c)});
    }
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
      return sim_faults(request, caller, respond);
    case RouteId::kCalibration:
      return respond(calibration(query));
    case RouteId::kCalibrationRun:
      return calibration_run(request, caller, respond);
    case RouteId::kCalibrationComplete:
      return ask_core(CompleteCalibration{to_day(options_.wall_now())}, caller, name, "", respond);
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

bool ApiService::audit(const Caller& caller, std::string_view route, std::string parameters,
                       unsigned status) {
  AuditEntry entry;
  entry.at = options_.wall_now();
  entry.role = caller.role();
  entry.user = caller.user();
  entry.route = std::string(kPrefix) + std::string(route);
  entry.parameters = std::move(parameters);
  entry.result = std::to_string(status);
  return store_.append_audit(entry);
}

void ApiService::reply(const Caller& caller, std::string_view route, std::string parameters,
                       HttpResponse response, const Respond& respond) {
  // SR-72: recorded before it is answered; unrecorded, it is not answered as done.
  if (!audit(caller, route, std::move(parameters), response.status)) {
    respond(error(503, "the audit log could not be written", "", "audited before answered"));
    return;
  }
  respond(std::move(response));
}

void ApiService::ask_core(CoreRequest request, const Caller& caller, std::string route,
                          std::string parameters, const Respond& respond) {
  std::weak_ptr<int> alive = alive_;
  gateway_.request(std::move(request), [this, alive, caller, route = std::move(route),
                                        parameters = std::move(parameters),
                                        respond](const CoreReply& r) {
    if (alive.expired()) {
      return;
    }
    if (!r.ok()) {
      return reply(caller, route, parameters,
                   error(core_refusal_status(), r.reason, r.field, std::string(code_rule(r.code))),
                   respond);
    }
    api::Accepted ok;
    ok.set_ok(true);
    reply(caller, route, parameters, {200, to_json(ok)}, respond);
  });
}

HttpResponse ApiService::status_now() const {
  return {200, to_json(to_api(gateway_.status(), gateway_.boards_simulated()))};
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
