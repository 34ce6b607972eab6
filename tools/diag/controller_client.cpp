#include "tools/diag/controller_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "proto/api.pb.h"
#include "tools/diag/diag_json.h"

namespace rfneedle::diag {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A session's export can be long: far above anything the API sends.
constexpr std::uint64_t kBodyLimit = 256ULL * 1024 * 1024;

}  // namespace

ControllerClient::ControllerClient(ControllerUrl url, std::chrono::milliseconds timeout)
    : url_(std::move(url)), timeout_(timeout) {}

HttpAnswer ControllerClient::request(std::string_view method, std::string_view target,
                                     std::string_view body, const std::string& token) const {
  HttpAnswer out;
  http::request<http::string_body> req;
  req.version(11);
  req.method(http::string_to_verb(method));
  req.target(target);
  req.set(http::field::host, url_.host_header());
  req.set(http::field::user_agent, "rfneedle-diag");
  if (method != "GET") {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  if (!token.empty()) {
    req.set(http::field::authorization, "Bearer " + token);
  }
  req.prepare_payload();

  net::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  beast::error_code failure;
  const char* stage = "resolve";

  stream.expires_after(timeout_);
  resolver.async_resolve(
      url_.host, std::to_string(url_.port),
      [&](beast::error_code ec, const tcp::resolver::results_type& endpoints) {
        if (ec) {
          failure = ec;
          return;
        }
        stage = "connect";
        stream.async_connect(endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) {
          if (connect_ec) {
            failure = connect_ec;
            return;
          }
          stage = "send";
          http::async_write(stream, req, [&](beast::error_code write_ec, std::size_t) {
            if (write_ec) {
              failure = write_ec;
              return;
            }
            stage = "read the answer";
            http::async_read(stream, buffer, parser,
                             [&](beast::error_code read_ec, std::size_t) { failure = read_ec; });
          });
        });
      });
  io.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure) {
    out.transport_error = std::string(stage) + ": " + failure.message();
    return out;
  }
  const auto& res = parser.get();
  out.status = res.result_int();
  out.body = res.body();
  out.content_type = std::string(res[http::field::content_type]);
  return out;
}

struct StreamConnection::State {
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  bool connected = false;
  bool closed = false;
  bool timed_out = false;
  bool reading = false;
  bool message_ready = false;
  std::string error;

  void fail(const std::string& why) {
    closed = true;
    connected = false;
    if (error.empty()) {
      error = why;
    }
  }
};

StreamConnection::StreamConnection(const ControllerUrl& url, const std::string& token,
                                   std::chrono::milliseconds connect_timeout)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  beast::error_code ec;
  tcp::resolver resolver(s.io);
  const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) {
    s.fail("resolve: " + ec.message());
    return;
  }
  auto& layer = beast::get_lowest_layer(s.ws);
  layer.expires_after(connect_timeout);
  layer.async_connect(endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) {
    if (connect_ec) {
      return s.fail("connect: " + connect_ec.message());
    }
    layer.expires_never();
    s.ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    s.ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(http::field::user_agent, "rfneedle-diag"); }));
    s.ws.async_handshake(url.host_header(), "/api/v1/stream", [&](beast::error_code hs_ec) {
      if (hs_ec) {
        return s.fail("WebSocket handshake: " + hs_ec.message());
      }
      s.connected = true;
    });
  });
  s.io.run_for(connect_timeout);
  if (!s.connected) {
    s.fail("connect: timed out");
    return;
  }
  s.io.restart();
  api::StreamClientMessage hello;
  hello.mutable_hello()->set_token(token);
  s.ws.text(true);
  s.ws.write(net::buffer(to_json(hello)), ec);
  if (ec) {
    s.fail("hello: " + ec.message());
  }
}

StreamConnection::~StreamConnection() {
  if (state_->connected) {
    beast::error_code ignored;
    beast::get_lowest_layer(state_->ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
}

bool StreamConnection::connected() const { return state_->connected; }
bool StreamConnection::timed_out() const { return state_->timed_out; }
bool StreamConnection::closed() const { return state_->closed; }
const std::string& StreamConnection::error() const { return state_->error; }

std::optional<std::string> StreamConnection::read(std::chrono::milliseconds limit) {
  State& s = *state_;
  s.timed_out = false;
  if (s.closed) {
    return std::nullopt;
  }
  if (!s.reading) {
    s.reading = true;
    s.message_ready = false;
    s.ws.async_read(s.buffer, [&s](beast::error_code ec, std::size_t) {
      s.reading = false;
      if (ec) {
        const auto& reason = s.ws.reason();
        if (ec == websocket::error::closed && !reason.reason.empty()) {
          return s.fail("closed by rfneedled: " +
                        std::string(reason.reason.data(), reason.reason.size()));
        }
        return s.fail(ec == websocket::error::closed ? "closed by rfneedled" : ec.message());
      }
      s.message_ready = true;
    });
  }
  s.io.restart();
  s.io.run_for(limit);
  if (!s.message_ready) {
    s.timed_out = !s.closed;
    return std::nullopt;
  }
  s.message_ready = false;
  std::string text = beast::buffers_to_string(s.buffer.data());
  s.buffer.consume(s.buffer.size());
  return text;
}

}  // namespace rfneedle::diag
