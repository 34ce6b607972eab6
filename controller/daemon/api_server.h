// rfneedled's HTTP and WebSocket server (issue 9, docs/api.md): Boost.Beast, bound to
// loopback only. The sockets live on the server's own network thread (one session object
// per connection); every request and stream message is handed to ApiService on the
// service thread (the io_context the caller runs), which also owns the store. STOP from
// loopback alone is acted on where it is read, on the network thread: the core is told
// and the answer sent whatever the service thread is busy with (a stalled commit, a burst
// of log-ins), and the audit follows on the service thread (SR-76). Beast stays inside
// api_server.cpp.
//
//   boost::asio::io_context io;
//   ApiServer server(io, gateway, store, std::move(options), "127.0.0.1", 8080);
//   server.start();      // the network thread starts accepting
//   io.run();            // the service thread
//   ...                  // on that thread, to shut down:
//   server.stop();       // connections closed, the network thread joined, ApiService gone
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "controller/daemon/api_service.h"

namespace boost::asio {
class io_context;
}

namespace rfneedle::daemon {

// Why `address` may not be listened on ("not a loopback address: ..."), if it may not:
// the API is for the device itself (DESIGN 6). Only numeric IPv4/IPv6 addresses.
[[nodiscard]] std::optional<std::string> check_listen_address(std::string_view address);

// How long a client may take (docs/api.md, "Limits and timeouts"); tests shorten them.
struct ApiServerLimits {
  // To send a whole request (a slow or partial one is cut off), or to read an answer.
  std::chrono::milliseconds request_timeout{30'000};
  // For a WebSocket's first message, its hello (issue 10).
  std::chrono::milliseconds hello_timeout{1'000};
};

class ApiServer {
 public:
  // Binds and listens at once; port 0 takes a free port (port() says which), and the
  // address and port bound are the only Host a request may name. Throws
  // std::invalid_argument for a non-loopback address or an unusable account hash, and
  // boost::system::system_error when the address cannot be bound.
  ApiServer(boost::asio::io_context& io, DeviceGateway& gateway, Store& store, ApiOptions options,
            const std::string& address = "127.0.0.1", std::uint16_t port = 8080,
            ApiServerLimits limits = {});
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Before start(): a second socket that serves only GET /metrics (--metrics-listen, for a
  // clinic's Prometheus on another machine: the only listener that may be on a
  // non-loopback address, since it answers nothing else). Any numeric IPv4/IPv6 address;
  // port 0 takes a free port (metrics_port() says which). Throws std::invalid_argument
  // for an address that is not numeric, and boost::system::system_error when it cannot be
  // bound.
  void listen_metrics(const std::string& address, std::uint16_t port);
  [[nodiscard]] std::uint16_t metrics_port() const { return metrics_port_; }

  void start();  // starts the network thread, which accepts connections
  // Stops accepting, closes every connection (at most a second for their close
  // handshakes), joins the network thread and ends the ApiService, so nothing of the
  // server runs after it returns. Call on the service thread. Idempotent.
  void stop();
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  struct Network;
  std::unique_ptr<Network> network_;
  std::uint16_t port_ = 0;
  std::uint16_t metrics_port_ = 0;
};

}  // namespace rfneedle::daemon
