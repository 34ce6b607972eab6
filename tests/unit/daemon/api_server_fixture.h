// The API server over real sockets on a free loopback port, against a fake gateway and
// store, with a blocking client for the tests: HTTP requests (any header), raw bytes, and
// the stream. The server runs on its own thread; its clock is the test's.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "controller/daemon/api_json.h"
#include "controller/daemon/api_server.h"
#include "tests/unit/daemon/api_fakes.h"

namespace rfneedle::daemon::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

inline constexpr std::string_view kPin = "482913";
inline constexpr std::string_view kServiceKey = "service-key-0001";

// Hashed once per test program: Argon2id is slow on purpose.
inline const std::string& pin_hash() {
  static const std::string h = hash_secret(kPin);
  return h;
}
inline const std::string& service_key_hash() {
  static const std::string h = hash_secret(kServiceKey);
  return h;
}

struct Reply {
  unsigned status = 0;  // 0: the server closed the connection without an answer
  std::string body;
  std::string retry_after;
  [[nodiscard]] api::ErrorBody error() const {
    api::ErrorBody e;
    EXPECT_FALSE(parse_json(body, e)) << body;
    return e;
  }
};

// One HTTP request; every header the tests vary.
struct Call {
  http::verb method = http::verb::get;
  std::string target;
  std::string body;
  std::string content_type = "application/json";
  std::string token;
  bool display = false;
  std::optional<std::string> host;  // default: the listen address and port
  std::optional<std::string> origin;
};

class StreamClient {
 public:
  // `upgrade` may add headers to the upgrade request (an Origin, an Authorization).
  StreamClient(std::uint16_t port, std::function<void(websocket::request_type&)> upgrade = nullptr)
      : ws_(io_) {
    tcp::socket& socket = ws_.next_layer();
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    if (upgrade) {
      ws_.set_option(websocket::stream_base::decorator(std::move(upgrade)));
    }
    ws_.handshake(response_, "127.0.0.1:" + std::to_string(port), "/api/v1/stream", error_);
  }
  [[nodiscard]] bool upgraded() const { return !error_; }
  [[nodiscard]] unsigned upgrade_status() const { return response_.result_int(); }
  void write(const std::string& text) { ws_.write(net::buffer(text)); }
  // The next message, or nothing when the server closed the connection. A server that
  // does neither within 10 s fails the test instead of hanging it.
  std::optional<api::StreamServerMessage> read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    bool done = false;
    ws_.async_read(buffer, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    io_.restart();
    io_.run_for(std::chrono::seconds(10));
    if (!done) {
      ADD_FAILURE() << "neither a message nor a close within 10 s";
      beast::get_lowest_layer(ws_).cancel();
      io_.restart();
      io_.run();
      return std::nullopt;
    }
    if (ec) {
      return std::nullopt;
    }
    api::StreamServerMessage m;
    EXPECT_FALSE(parse_json(beast::buffers_to_string(buffer.data()), m));
    return m;
  }
  std::string close_reason() const { return std::string(ws_.reason().reason.c_str()); }

 private:
  net::io_context io_;
  websocket::stream<tcp::socket> ws_;
  websocket::response_type response_;
  beast::error_code error_;
};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ =
        std::make_unique<ApiServer>(io_, gateway_, store_, options(), "127.0.0.1", 0, limits_);
    server_->start();
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ApiOptions options() {
    ApiOptions o;
    o.service_key_hash = service_key_hash();
    o.initial_operators = {{"alice", pin_hash()}};
    o.steady_now = [this] { return Instant{} + microseconds(clock_us_.load()); };
    o.wall_now = [] { return WallMs{1'767'225'600'000}; };
    return o;
  }
  // rfneedled restarted on the same store: a new server, nothing kept but the store.
  void restart() {
    on_io([this] {
      server_->stop();
      server_ =
          std::make_unique<ApiServer>(io_, gateway_, store_, options(), "127.0.0.1", 0, limits_);
      server_->start();
      port_ = server_->port();
    });
  }
  void TearDown() override {
    on_io([this] { server_->stop(); });
    work_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
  }

  // Runs `f` on the server's thread and waits for it (the gateway is single-threaded).
  void on_io(std::function<void()> f) {
    std::promise<void> done;
    net::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
  void advance(Duration d) { clock_us_ += d.count(); }
  [[nodiscard]] std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }

  Reply send(const Call& call) {
    net::io_context client;
    beast::tcp_stream stream(client);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    http::request<http::string_body> req{call.method, call.target, 11};
    if (!call.host || !call.host->empty()) {
      req.set(http::field::host, call.host.value_or(authority()));
    }
    if (call.origin) {
      req.set(http::field::origin, *call.origin);
    }
    if (!call.content_type.empty()) {
      req.set(http::field::content_type, call.content_type);
    }
    if (!call.token.empty()) {
      req.set(http::field::authorization, "Bearer " + call.token);
    }
    if (call.display) {
      req.set("X-Rfneedle-Client", "display");
    }
    req.body() = call.body;
    req.prepare_payload();
    beast::error_code ec;
    http::write(stream, req, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res, ec);
    if (ec) {
      return {};
    }
    return {res.result_int(), res.body(), std::string(res[http::field::retry_after])};
  }
  Reply send(http::verb method, std::string target, std::string body = {},
             std::string content_type = "application/json", std::string token = {},
             bool display = false) {
    return send(Call{method, std::move(target), std::move(body), std::move(content_type),
                     std::move(token), display, std::nullopt, std::nullopt});
  }
  Reply post(std::string target, std::string body = "{}", std::string token = {}) {
    return send(http::verb::post, std::move(target), std::move(body), "application/json",
                std::move(token));
  }
  Reply get(std::string target, std::string token) {
    return send(http::verb::get, std::move(target), "", "", std::move(token));
  }
  Reply login_as(std::string_view role, std::string_view user, std::string_view secret) {
    return post("/api/v1/login", R"({"role": ")" + std::string(role) + R"(", "user": ")" +
                                     std::string(user) + R"(", "secret": ")" + std::string(secret) +
                                     R"("})");
  }
  std::string login(std::string_view role, std::string_view user, std::string_view secret) {
    const Reply r = login_as(role, user, secret);
    api::LoginResponse out;
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_FALSE(parse_json(r.body, out));
    return out.token();
  }
  std::string operator_token(std::string_view user = "alice", std::string_view pin = kPin) {
    return login("ROLE_OPERATOR", user, pin);
  }
  std::string service_token() { return login("ROLE_SERVICE", "", kServiceKey); }

  // The audit entries written so far (the server may write from its thread).
  std::vector<AuditEntry> audit_log() {
    std::lock_guard lock(store_.mutex);
    return store_.audit_log;
  }
  // The audit log once it holds `n` entries (a STOP's entry follows its answer), or as it
  // is after 5 s.
  std::vector<AuditEntry> audit_log_of_at_least(std::size_t n) {
    for (int i = 0; i < 500 && audit_log().size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return audit_log();
  }
  [[nodiscard]] bool nothing_reached_the_core() const {
    return gateway_.request_count.load() == 0 && gateway_.stops.load() == 0;
  }

  ApiServerLimits limits_;  // a derived fixture may shorten them in its constructor
  std::atomic<std::int64_t> clock_us_{1'000'000'000};
  FakeGateway gateway_;
  FakeStore store_;
  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
      net::make_work_guard(io_)};
  std::unique_ptr<ApiServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace rfneedle::daemon::testing
