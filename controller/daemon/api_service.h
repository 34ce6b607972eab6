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

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
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

// What the daemon provides beyond the gateway and the store.
struct ApiOptions {
  core::CoreConfig core_config;         // presets and the envelope
  std::vector<std::string> after_care;  // empty: default_after_care()
  std::vector<Account> accounts;        // hashed secrets only
  std::function<Instant()> steady_now;  // token expiry, throttling, the lock
  std::function<WallMs()> wall_now;     // records, expires_at, `today`
  std::filesystem::path frontend_dir;   // empty: no static files
  std::function<api::Versions()> versions;
  std::function<api::LinkStats()> link_stats;
  std::function<std::string()> config_text;
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
  // Throws std::invalid_argument when an account's hash is unusable. `post` runs a
  // function on the service thread (the hash worker's results come back through it).
  ApiService(DeviceGateway& gateway, Store& store, ApiOptions options, HashWorker::Post post);
  ~ApiService();
  ApiService(const ApiService&) = delete;
  ApiService& operator=(const ApiService&) = delete;

  // Every request gets exactly one call of `respond`, now or later.
  void handle(const HttpRequest& request, const Respond& respond);

  // The stream: a peer is admitted by a valid bearer token on the upgrade, or by its first
  // message (StreamHello). `bearer` is the upgrade's Authorization header.
  void stream_opened(StreamPeer& peer, std::string_view bearer);
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
    std::optional<Instant> expires;  // a token's; none for the display
  };

  // api_service.cpp: dispatch, access, audit, replies.
  void dispatch(const Route& route, const HttpRequest& request, const Respond& respond);
  [[nodiscard]] bool locked_out(const Identity& identity);
  [[nodiscard]] bool audit(const Caller& caller, std::string_view route, std::string parameters,
                           unsigned status);
  void ask_core(CoreRequest request, const Caller& caller, std::string route,
                std::string parameters, const Respond& respond);
  void reply(const Caller& caller, std::string_view route, std::string parameters,
             HttpResponse response, const Respond& respond);
  [[nodiscard]] HttpResponse serve_static(std::string_view path) const;

  // api_routes.cpp: one function per route.
  void login(const HttpRequest& request, const Caller& caller, const Respond& respond);
  void open_session(const HttpRequest& request, const Caller& caller, const Respond& respond);
  void set_area(const HttpRequest& request, const Caller& caller, const Respond& respond);
  void set_parameters(const HttpRequest& request, const Caller& caller, const Respond& respond);
  void reset_faults(const HttpRequest& request, const Caller& caller, const Respond& respond);
  void sim_faults(const HttpRequest& request, const Caller& caller, const Respond& respond);
  void calibration_run(const HttpRequest& request, const Caller& caller, const Respond& respond);
  [[nodiscard]] HttpResponse calibration(std::string_view query);
  [[nodiscard]] HttpResponse events(std::string_view query);
  [[nodiscard]] HttpResponse sessions(std::string_view query);
  [[nodiscard]] HttpResponse session(std::string_view id);
  [[nodiscard]] HttpResponse status_now() const;

  // api_stream.cpp
  void admit(StreamPeer& peer, api::Role role, std::optional<Instant> expires);
  void broadcast(SendQueue::Kind kind, const std::string& text);

  DeviceGateway& gateway_;
  Store& store_;
  ApiOptions options_;
  api::Presets presets_;
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
