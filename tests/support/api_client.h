// A client of rfneedled's API (docs/api.md) for tests and benchmarks that drive the real
// process: synchronous HTTP/1.1 requests over Boost.Beast, and the touchscreen's display
// connection on its own thread. Bodies are the JSON mapping of proto/api.proto, read
// strictly (an unknown field is an error), so a client built on this notices when the API
// and its documentation drift apart.
//
//   ApiClient api("127.0.0.1", port);
//   const ApiResponse r = api.post("/api/v1/login", login_request);
//   const auto token = r.as<api::LoginResponse>().token();
//   const api::Status s = api.get("/api/v1/status", token).as<api::Status>();
//
//   DisplayClient display("127.0.0.1", port);  // connects, says hello, heartbeats
//   display.wait_for([](const api::Status& s) { return s.state() == api::STATE_READY; });
//   display.stop();                            // no more heartbeats: display_stale
//
// Every call is bounded by a timeout, so a hung daemon fails a test instead of hanging it.
// ApiClient is stateless between requests (a fresh connection each), so one instance may be
// used from several threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "proto/api.pb.h"

namespace google::protobuf {
class Message;
}

namespace rfneedle::testing {

// The API's JSON of `message`: proto field names, every primitive field printed.
[[nodiscard]] std::string api_json(const google::protobuf::Message& message);
// Fills `out` from JSON; an empty string, or what is wrong (unknown field, wrong type, ...).
[[nodiscard]] std::string parse_api_json(std::string_view json, google::protobuf::Message& out);

// Thrown by the typed accessors when an answer is not what the caller needs.
class ApiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ApiResponse {
  // 0 when no answer arrived: `transport_error` says why (refused, timed out, ...).
  unsigned status = 0;
  std::string body;
  std::string transport_error;
  std::vector<std::pair<std::string, std::string>> headers;

  [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
  // A header's value ("" if absent); names compare case-insensitively.
  [[nodiscard]] std::string header(std::string_view name) const;
  // "409 {...body...}" or "no answer: ...", for failure messages.
  [[nodiscard]] std::string describe() const;
  // The body as `M`. Throws ApiError (naming the status and body) if the status is not 2xx or
  // the body is not an `M`.
  template <typename M>
  [[nodiscard]] M as() const {
    M out;
    parse_as(out, true);
    return out;
  }
  // A 4xx/5xx answer's ErrorBody. Throws ApiError if the status is 2xx or the body is not one.
  [[nodiscard]] api::ErrorBody error() const;

 private:
  void parse_as(google::protobuf::Message& out, bool want_success) const;
};

struct RequestOptions {
  std::string token{};                            // sent as "Authorization: Bearer <token>"
  bool display = false;                           // "X-Rfneedle-Client: display"
  std::string content_type = "application/json";  // "" sends none
  std::vector<std::pair<std::string, std::string>> headers{};  // any others
};

class ApiClient {
 public:
  explicit ApiClient(std::string address, std::uint16_t port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // One request on a fresh connection. `target` is the path and query, e.g.
  // "/api/v1/events?limit=10". Never throws: a failure to connect or a timeout is status 0.
  [[nodiscard]] ApiResponse request(std::string_view method, std::string_view target,
                                    std::string_view body = {},
                                    const RequestOptions& options = {}) const;

  [[nodiscard]] ApiResponse get(std::string_view target, const std::string& token = {}) const;
  // GET as the display (no token, the display header), for /status and /presets.
  [[nodiscard]] ApiResponse get_as_display(std::string_view target) const;
  [[nodiscard]] ApiResponse post(std::string_view target, const google::protobuf::Message& body,
                                 const std::string& token = {}) const;
  // POST with an empty JSON object as the body ({}), e.g. /arm, /disarm.
  [[nodiscard]] ApiResponse post(std::string_view target, const std::string& token = {}) const;
  [[nodiscard]] ApiResponse put(std::string_view target, const google::protobuf::Message& body,
                                const std::string& token = {}) const;

  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  std::string address_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
};

// The touchscreen's connection (docs/api.md, "The stream"): a WebSocket to /api/v1/stream,
// `{"hello":{"display":true}}`, then every 500 ms a heartbeat echoing the latest snapshot
// it received (SR-78, SR-80), all on its own thread. It records every snapshot, event and
// error the daemon pushes; the accessors are thread-safe.
class DisplayClient {
 public:
  // Connects and says hello; throws ApiError if the connection cannot be made within
  // `timeout` (admission itself shows as the welcome).
  DisplayClient(std::string address, std::uint16_t port,
                std::chrono::milliseconds heartbeat_period = std::chrono::milliseconds(500),
                std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~DisplayClient();
  DisplayClient(const DisplayClient&) = delete;
  DisplayClient& operator=(const DisplayClient&) = delete;

  // Closes the connection and stops heartbeating (the core then raises display_stale after
  // 2 s). What was recorded stays readable. Idempotent.
  void stop();

  [[nodiscard]] bool connected() const;
  [[nodiscard]] bool welcomed() const;
  // The latest snapshot, if any arrived.
  [[nodiscard]] std::optional<api::Status> latest() const;
  // How many snapshots, telemetry summaries and heartbeats so far.
  [[nodiscard]] std::uint64_t snapshot_count() const;
  // The snapshots received from the `from`th on (counting from 0), in order; only the latest
  // kSnapshotsKept are kept.
  [[nodiscard]] std::vector<api::Status> snapshots(std::uint64_t from = 0) const;
  static constexpr std::size_t kSnapshotsKept = 20'000;
  [[nodiscard]] std::uint64_t telemetry_count() const;
  [[nodiscard]] std::uint64_t heartbeats_sent() const;
  // Every event pushed so far, in order; events from index `from` on.
  [[nodiscard]] std::vector<api::Event> events(std::size_t from = 0) const;
  [[nodiscard]] std::size_t event_count() const;
  // Error messages the daemon sent on the stream, and why it closed it (if it did).
  [[nodiscard]] std::vector<api::ErrorBody> errors() const;
  [[nodiscard]] std::string close_reason() const;

  // Waits until a snapshot received from now on, or the latest one, satisfies `done`;
  // returns it, or nothing after `limit`.
  std::optional<api::Status> wait_for(const std::function<bool(const api::Status&)>& done,
                                      std::chrono::milliseconds limit = std::chrono::seconds(10));
  // Waits until the connection has recorded `count` events in all.
  bool wait_for_events(std::size_t count,
                       std::chrono::milliseconds limit = std::chrono::seconds(10));
  // Called on the client's thread for every snapshot as it arrives (set before it matters;
  // keep it short). For harnesses that react to state changes.
  void on_snapshot(std::function<void(const api::Status&)> callback);

 private:
  struct Connection;
  std::shared_ptr<Connection> connection_;
  std::thread thread_;
};

}  // namespace rfneedle::testing
