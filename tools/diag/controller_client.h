// rfneedle-diag's connection to rfneedled (docs/api.md): HTTP/1.1 requests and the stream
// WebSocket, over Boost.Beast, every step bounded by a timeout. Beast stays in
// controller_client.cpp alone.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tools/diag/diag_url.h"

namespace rfneedle::diag {

struct HttpAnswer {
  unsigned status = 0;          // 0: no answer, `transport_error` says why
  std::string transport_error;  // "connect: Connection refused"
  std::string body;
  std::string content_type;
};

class ControllerClient {
 public:
  explicit ControllerClient(ControllerUrl url,
                            std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // One request on its own connection. `target` is the path and query ("/api/v1/status").
  // A body is sent as application/json. Never throws.
  [[nodiscard]] HttpAnswer request(std::string_view method, std::string_view target,
                                   std::string_view body, const std::string& token) const;
  [[nodiscard]] const ControllerUrl& url() const { return url_; }

 private:
  ControllerUrl url_;
  std::chrono::milliseconds timeout_;
};

// The stream (GET /api/v1/stream): connects, says hello with the token, then hands out the
// server's messages one at a time.
class StreamConnection {
 public:
  // Throws nothing: connected() says whether it worked, error() why not.
  StreamConnection(const ControllerUrl& url, const std::string& token,
                   std::chrono::milliseconds connect_timeout = std::chrono::seconds(5));
  ~StreamConnection();
  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;

  [[nodiscard]] bool connected() const;
  // The next message's JSON, waiting at most `limit`. Nothing when the time ran out
  // (timed_out()) or the connection ended (then closed() and error() say why: the close
  // reason the daemon gave, or the network error).
  [[nodiscard]] std::optional<std::string> read(std::chrono::milliseconds limit);
  [[nodiscard]] bool timed_out() const;
  [[nodiscard]] bool closed() const;
  [[nodiscard]] const std::string& error() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace rfneedle::diag
