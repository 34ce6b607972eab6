// The API's routes and its stream (issue 9, docs/api.md), without sockets: the server
// (api_server.cpp) hands each parsed HTTP request and each WebSocket message here and
// writes back what it gets. Everything runs on the service thread; the core is reached only
// through the DeviceGateway and decides everything (STYLE: Moonraker), the records only
// through the Store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/core/core_config.h"
#include "controller/daemon/auth.h"
#include "controller/daemon/device_gateway.h"
#include "controller/daemon/hash_worker.h"
#include "controller/daemon/store.h"
#include "controller/daemon/stream_queue.h"
#include "proto/api.pb.h"

namespace rfneedle::daemon {

inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
// GET /metrics: the content type of Prometheus's text exposition format.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

struct HttpRequest {
  std::string method;                 // "GET", "POST", ...
  std::string target;                 // path and query, as sent
  std::string host;                   // the Host header
  std::optional<std::string> origin;  // the Origin header, when sent
  std::string content_type;
  std::string authorization;
  bool display = false;  // "X-Rfneedle-Client: display"
  bool from_loopback = false;
  std::string body;
};

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(unsigned s, std::string b, std::string type = "application/json")
      : status(s), body(std::move(b)), content_type(std::move(type)) {}
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::optional<std::uint32_t> retry_after_s;
  std::string allow;  // 405: the methods the route takes
};

using Respond = std::function<void(HttpResponse)>;

// A 4xx/5xx whose body is {error, field, rule}.
[[nodiscard]] HttpResponse error_response(unsigned status, const api::ErrorBody& body);

// An operator account from the configuration (the demo's): it seeds the store's operators
// on the first start, when the store has none.
struct OperatorSeed {
  std::string user;
  std::string pin_hash;  // Argon2id
};

// What the daemon provides beyond the gateway and the store.
struct ApiOptions {
  core::CoreConfig core_config;         // presets and the envelope
  std::vector<std::string> after_care;  // empty: default_after_care()
  // A session on an area treated fewer days before needs a recorded reason (SR-88).
  std::int32_t min_course_interval_days = 28;
  std::string service_key_hash;         // set at provisioning; "": no service log-in
  std::vector<OperatorSeed> initial_operators;
  // The address the server listens on (ApiServer sets both once bound): a request's Host
  // must name it, and its Origin, when sent, must be the device's own.
  std::string listen_address;
  std::uint16_t listen_port = 0;
  std::function<Instant()> steady_now;  // token expiry, throttling, the lock
  std::function<WallMs()> wall_now;     // records, expires_at, `today`
  std::filesystem::path frontend_dir;   // empty: no static files
  std::function<api::Versions()> versions;
  std::function<api::LinkStats()> link_stats;
  std::function<std::string()> config_text;
  // GET /metrics (issue 14): the Prometheus text exposition; empty: 404.
  std::function<std::string()> metrics;
  // Sends one command to the simulator's control socket (--sim-control) and calls back
  // with its reply; empty when there is none. Called only when boards_simulated() (SR-77).
  std::function<void(std::string command, std::function<void(bool ok, std::string reply)>)>
      forward_sim_fault;
};

// One WebSocket connection as the stream sees it.
class StreamPeer {
 public:
  virtual void send(SendQueue::Kind kind, std::string text) = 0;  // may close the peer
  virtual void close(std::string reason) = 0;                     // asynchronous
  [[nodiscard]] virtual bool from_loopback() const = 0;

 protected:
  ~StreamPeer() = default;
};

class ApiService final : public DeviceListener {
 public:
  struct Route;
  // Seeds the store's operators from options.initial_operators when it has none. Throws
  // std::invalid_argument when a configured hash is unusable or a seed cannot be stored.
  // `post` runs a function on the service thread (the hash worker's results come back
  // through it; long reads continue through it).
  ApiService(DeviceGateway& gateway, Store& store, ApiOptions options, HashWorker::Post post);
  ~ApiService();
  ApiService(const ApiService&) = delete;
  ApiService& operator=(const ApiService&) = delete;

  // Every request gets exactly one call of `respond`, now or later.
  void handle(const HttpRequest& request, const Respond& respond);
  // A request the server refused before reading all of it (413: only its headers were
  // read): answered with `response`, audited first like any other when it is mutating.
  void refuse_unread(const HttpRequest& request, HttpResponse response, const Respond& respond);

  // STOP from the device itself (SR-76): POST /api/v1/stop from loopback. The server acts
  // on it on its network thread, never behind the service thread's work (a stalled commit,
  // a burst of log-ins): it calls DeviceGateway::stop() (callable from any thread), answers
  // stop_answer() and then has audit_stop() run here. handle() does the same in one go.
  [[nodiscard]] static bool is_loopback_stop(const HttpRequest& request);
  [[nodiscard]] static HttpResponse stop_answer();
  void audit_stop();

  // Why a request may not be served to whoever sent it, if it may not (issue 10, a browser
  // on the device must not be usable against it): a Host other than the listen address
  // (DNS rebinding), an Origin other than the device's own (a cross-origin page). The
  // server asks before a WebSocket upgrade; handle() asks for every other request.
  [[nodiscard]] std::optional<HttpResponse> refuse_browser(const HttpRequest& request) const;

  // GET /metrics in Prometheus text format, without a token (docs/api.md, "Metrics"):
  // handle() serves it to loopback; the server's metrics-only listener (--metrics-listen)
  // calls it for any peer, since it serves nothing else.
  [[nodiscard]] HttpResponse metrics() const;

  // The stream: a peer is admitted only by its first message, a StreamHello, within 1 s
  // (the server closes it otherwise).
  void stream_opened(StreamPeer& peer);
  void stream_message(StreamPeer& peer, std::string_view text);
  void stream_closed(StreamPeer& peer);
  [[nodiscard]] bool stream_admitted(const StreamPeer& peer) const;

  void on_event(const StoredEvent& event) override;
  void on_snapshot(const core::Status& status) override;
  void on_telemetry(const TelemetrySample& sample) override;

 private:
  // Who sent a request: a token's identity, the display, or nobody.
  struct Caller {
    std::optional<Identity> identity;
    std::string token;
    bool display = false;
    [[nodiscard]] std::string role() const;
    [[nodiscard]] std::string user() const { return identity ? identity->user : ""; }
  };
  struct Peer {
    StreamPeer* peer = nullptr;
    api::Role role = api::ROLE_UNSPECIFIED;
    std::string user;                // a token's
    std::optional<Instant> expires;  // a token's; none for the display
  };

  // api_service.cpp: dispatch, access, replies.
  [[nodiscard]] Caller caller_of(const HttpRequest& request);
  void stop(const HttpRequest& request, const Respond& respond);
  void dispatch(const Route& route, const HttpRequest& request, const Caller& caller,
                const Respond& respond);
  [[nodiscard]] bool locked_out(const Identity& identity);
  void ask_core(CoreRequest request, const Respond& respond);
  [[nodiscard]] HttpResponse serve_static(std::string_view path) const;

  // api_audit.cpp (SR-72): `respond` preceded by the request's audit record, or a 503 in
  // its place when the record cannot be written.
  [[nodiscard]] Respond audited(const Caller& caller, const HttpRequest& request, std::string route,
                                Respond respond);
  [[nodiscard]] bool audit(const Caller& caller, std::string_view route, std::string parameters,
                           std::string result);
  struct AuditVerifyRun;
  void verify_audit(const Respond& respond);
  void verify_audit_step(const std::shared_ptr<AuditVerifyRun>& run);

  // api_operators.cpp: the operators' accounts, managed by the service role.
  void seed_operators();
  [[nodiscard]] std::optional<Account> find_account(Role role, const std::string& user);
  [[nodiscard]] HttpResponse list_operators();
  void create_operator(const HttpRequest& request, const Respond& respond);
  void reset_operator(const HttpRequest& request, std::string user, const Respond& respond);
  [[nodiscard]] HttpResponse set_operator_disabled(const std::string& user, bool disabled);
  void end_sessions_of(const std::string& user, const std::string& reason);

  // api_routes.cpp: one function per route.
  void login(const HttpRequest& request, const Respond& respond);
  void open_session(const HttpRequest& request, const Caller& caller, const Respond& respond);
  void resume_session(std::string_view id, const Caller& caller, const Respond& respond);
  void set_area(const HttpRequest& request, const Respond& respond);
  void set_parameters(const HttpRequest& request, const Respond& respond);
  void reset_faults(const HttpRequest& request, const Respond& respond);
  void confirm_clock(const HttpRequest& request, const Respond& respond);
  void sim_faults(const HttpRequest& request, const Respond& respond);
  void calibration_run(const HttpRequest& request, const Respond& respond);
  [[nodiscard]] HttpResponse calibration(std::string_view query);
  [[nodiscard]] HttpResponse events(std::string_view query);
  [[nodiscard]] HttpResponse sessions(std::string_view query);
  [[nodiscard]] HttpResponse session(std::string_view id);
  [[nodiscard]] HttpResponse patient_course(std::string_view encoded_ref);
  [[nodiscard]] HttpResponse counters();
  // Audited, like a mutating request: a record leaving the device (503 when unrecorded).
  [[nodiscard]] HttpResponse session_export(std::string_view id, std::string_view query,
                                            const Caller& caller);
  [[nodiscard]] HttpResponse status_now() const;
  [[nodiscard]] api::Presets presets_now();

  // api_stream.cpp
  void admit(StreamPeer& peer, api::Role role, std::string user, std::optional<Instant> expires);
  void broadcast(SendQueue::Kind kind, const std::string& text);

  DeviceGateway& gateway_;
  Store& store_;
  ApiOptions options_;
  api::Presets presets_;  // without the operators: presets_now() adds them from the store
  HashWorker::Post post_;
  Authenticator auth_;
  std::optional<Instant> locked_since_;
  std::vector<Peer> peers_;
  std::vector<StreamPeer*> pending_;  // opened, not yet admitted
  StreamPeer* display_ = nullptr;
  TelemetryDecimator decimator_;
  // Callbacks that outlive the service (gateway replies, worker results) check this.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  HashWorker worker_;  // last: joined first
};

}  // namespace rfneedle::daemon
