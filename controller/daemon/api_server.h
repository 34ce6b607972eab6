// rfneedled's HTTP and WebSocket server (issue 9, docs/api.md): Boost.Beast, one session
// object per connection on an io_context the caller runs (the service thread), bound to
// loopback only. Requests go to ApiService; Beast stays inside api_server.cpp.
//
//   boost::asio::io_context io;
//   ApiServer server(io, gateway, store, std::move(options), "127.0.0.1", 8080);
//   server.start();
//   io.run();            // the service thread
//   ...                  // on that thread, to shut down:
//   server.stop();       // then let io.run() return before the gateway and store go
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

  void start();  // accepts connections
  void stop();   // stops accepting and closes every connection; call on the io thread
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Listener;
  std::shared_ptr<Listener> listener_;
};

}  // namespace rfneedle::daemon
