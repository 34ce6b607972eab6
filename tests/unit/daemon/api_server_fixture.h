// The API server over real sockets on a free loopback port, against a fake gateway and
// store, with an operator and a service account: the fixture of the API's server tests.
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

inline const std::vector<Account>& accounts() {
  static const std::vector<Account> a = {{Role::kOperator, "alice", hash_secret(kPin)},
                                         {Role::kService, "", hash_secret(kServiceKey)}};
  return a;
}

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string retry_after;
  [[nodiscard]] api::ErrorBody error() const {
    api::ErrorBody e;
    EXPECT_FALSE(parse_json(body, e)) << body;
    return e;
  }
};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiOptions options;
    options.accounts = accounts();
    options.steady_now = [this] { return Instant{} + microseconds(clock_us_.load()); };
    options.wall_now = [] { return WallMs{1'767'225'600'000}; };
    server_ =
        std::make_unique<ApiServer>(io_, gateway_, store_, std::move(options), "127.0.0.1", 0);
    server_->start();
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
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

  Reply send(http::verb method, std::string target, std::string body = {},
             std::string content_type = "application/json", std::string token = {},
             bool display = false) {
    net::io_context client;
    beast::tcp_stream stream(client);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) {
      req.set(http::field::content_type, content_type);
    }
    if (!token.empty()) {
      req.set(http::field::authorization, "Bearer " + token);
    }
    if (display) {
      req.set("X-Rfneedle-Client", "display");
    }
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(stream, buffer, res, ec);
    return {res.result_int(), res.body(), std::string(res[http::field::retry_after])};
  }
  Reply post(std::string target, std::string body = "{}", std::string token = {}) {
    return send(http::verb::post, std::move(target), std::move(body), "application/json",
                std::move(token));
  }
  std::string login(std::string_view role, std::string_view user, std::string_view secret) {
    const Reply r = post("/api/v1/login", R"({"role": ")" + std::string(role) + R"(", "user": ")" +
                                              std::string(user) + R"(", "secret": ")" +
                                              std::string(secret) + R"("})");
    api::LoginResponse out;
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_FALSE(parse_json(r.body, out));
    return out.token();
  }
  std::string operator_token() { return login("ROLE_OPERATOR", "alice", kPin); }
  std::string service_token() { return login("ROLE_SERVICE", "", kServiceKey); }

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
