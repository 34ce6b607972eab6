#include "tests/support/api_client.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <deque>

namespace rfneedle::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Session details can be long; far above anything the API sends.
constexpr std::uint64_t kResponseBodyLimit = 64ULL * 1024 * 1024;

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string shorten(const std::string& text, std::size_t limit = 2000) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

}  // namespace

std::string api_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

std::string parse_api_json(std::string_view json, google::protobuf::Message& out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      json.empty() ? std::string_view("{}") : json, &out, options);
  if (status.ok()) {
    return {};
  }
  const std::string why(status.message());
  return why.empty() ? "not JSON of " + out.GetTypeName() : why;
}

// ---- ApiResponse -----------------------------------------------------------------------

std::string ApiResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (same_name(n, name)) {
      return v;
    }
  }
  return {};
}

std::string ApiResponse::describe() const {
  if (status == 0) {
    return "no answer: " + transport_error;
  }
  return std::to_string(status) + " " + shorten(body);
}

void ApiResponse::parse_as(google::protobuf::Message& out, bool want_success) const {
  if (ok() != want_success) {
    throw ApiError("expected " + std::string(want_success ? "a 2xx" : "an error") + " answer (" +
                   out.GetTypeName() + "), got " + describe());
  }
  if (const std::string why = parse_api_json(body, out); !why.empty()) {
    throw ApiError("the answer is not a " + out.GetTypeName() + " (" + why + "): " + describe());
  }
}

api::ErrorBody ApiResponse::error() const {
  api::ErrorBody out;
  parse_as(out, false);
  return out;
}

// ---- ApiClient -------------------------------------------------------------------------

ApiClient::ApiClient(std::string address, std::uint16_t port, std::chrono::milliseconds timeout)
    : address_(std::move(address)), port_(port), timeout_(timeout) {}

ApiResponse ApiClient::request(std::string_view method, std::string_view target,
                               std::string_view body, const RequestOptions& options) const {
  ApiResponse out;
  beast::error_code address_error;
  const auto address = net::ip::make_address(address_, address_error);
  if (address_error) {
    out.transport_error = "bad address '" + address_ + "': " + address_error.message();
    return out;
  }

  http::request<http::string_body> req;
  req.version(11);
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    req.method_string(method);  // for testing the server's 405s and 400s
  } else {
    req.method(verb);
  }
  req.target(target);
  req.set(http::field::host, address_ + ":" + std::to_string(port_));
  if (!options.content_type.empty()) {
    req.set(http::field::content_type, options.content_type);
  }
  if (!options.token.empty()) {
    req.set(http::field::authorization, "Bearer " + options.token);
  }
  if (options.display) {
    req.set("X-Rfneedle-Client", "display");
  }
  for (const auto& [name, value] : options.headers) {
    req.set(name, value);
  }
  req.body() = std::string(body);
  req.prepare_payload();

  net::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  beast::error_code failure;
  const char* stage = "";

  stream.expires_after(timeout_);
  stream.async_connect(tcp::endpoint(address, port_), [&](beast::error_code ec) {
    if (ec) {
      failure = ec;
      stage = "connect";
      return;
    }
    http::async_write(stream, req, [&](beast::error_code write_ec, std::size_t) {
      if (write_ec) {
        failure = write_ec;
        stage = "write";
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code read_ec, std::size_t) {
        if (read_ec) {
          failure = read_ec;
          stage = "read";
        }
      });
    });
  });
  io.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  if (failure) {
    out.transport_error =
        std::string(method) + " " + std::string(target) + ": " + stage + ": " + failure.message();
    return out;
  }
  const auto& res = parser.get();
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

ApiResponse ApiClient::get(std::string_view target, const std::string& token) const {
  RequestOptions options;
  options.token = token;
  options.content_type = "";
  return request("GET", target, {}, options);
}

ApiResponse ApiClient::get_as_display(std::string_view target) const {
  RequestOptions options;
  options.display = true;
  options.content_type = "";
  return request("GET", target, {}, options);
}

ApiResponse ApiClient::post(std::string_view target, const google::protobuf::Message& body,
                            const std::string& token) const {
  RequestOptions options;
  options.token = token;
  return request("POST", target, api_json(body), options);
}

ApiResponse ApiClient::post(std::string_view target, const std::string& token) const {
  RequestOptions options;
  options.token = token;
  return request("POST", target, "{}", options);
}

ApiResponse ApiClient::put(std::string_view target, const google::protobuf::Message& body,
                           const std::string& token) const {
  RequestOptions options;
  options.token = token;
  return request("PUT", target, api_json(body), options);
}

// ---- DisplayClient ---------------------------------------------------------------------

// Everything the client's thread touches. Members below `mutex` are shared with the
// caller's thread; the rest belong to the client's thread alone.
struct DisplayClient::Connection : std::enable_shared_from_this<DisplayClient::Connection> {
  Connection(std::string a, std::uint16_t p, std::chrono::milliseconds period)
      : address(std::move(a)), port(p), heartbeat_period(period), ws(io), timer(io), give_up(io) {}

  void start() {
    beast::error_code ec;
    const auto ip = net::ip::make_address(address, ec);
    if (ec) {
      return failed("bad address '" + address + "': " + ec.message());
    }
    auto& tcp_layer = beast::get_lowest_layer(ws);
    tcp_layer.expires_after(std::chrono::seconds(10));
    tcp_layer.async_connect(tcp::endpoint(ip, port),
                            [self = shared_from_this()](beast::error_code connect_ec) {
                              if (connect_ec) {
                                return self->failed("connect: " + connect_ec.message());
                              }
                              self->handshake();
                            });
  }

  void handshake() {
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws.async_handshake(address + ":" + std::to_string(port), "/api/v1/stream",
                       [self = shared_from_this()](beast::error_code ec) {
                         if (ec) {
                           return self->failed("WebSocket handshake: " + ec.message());
                         }
                         {
                           std::lock_guard lock(self->mutex);
                           self->is_connected = true;
                         }
                         self->changed.notify_all();
                         api::StreamClientMessage hello;
                         hello.mutable_hello()->set_display(true);
                         self->send(api_json(hello));
                         self->read_next();
                         self->schedule_heartbeat();
                       });
  }

  void failed(std::string why) {
    {
      std::lock_guard lock(mutex);
      failure = std::move(why);
      is_connected = false;
      finished = true;
    }
    timer.cancel();
    changed.notify_all();
  }

  void read_next() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      {
        std::lock_guard lock(mutex);
        reason = ws.reason().reason.c_str();
        if (reason.empty() && !closing) {
          reason = "connection lost: " + ec.message();
        }
      }
      return failed_quietly();
    }
    const std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    api::StreamServerMessage message;
    std::function<void(const api::Status&)> callback;
    if (const std::string why = parse_api_json(text, message); !why.empty()) {
      api::ErrorBody e;
      e.set_error("a stream message that is not a StreamServerMessage: " + why);
      e.set_rule(shorten(text, 500));
      std::lock_guard lock(mutex);
      stream_errors.push_back(std::move(e));
    } else {
      std::lock_guard lock(mutex);
      switch (message.message_case()) {
        case api::StreamServerMessage::kWelcome:
          is_welcomed = true;
          break;
        case api::StreamServerMessage::kSnapshot:
          last_snapshot_id = message.snapshot().snapshot_id();
          snapshots.push_back(message.snapshot());
          ++snapshots_received;
          if (snapshots.size() > DisplayClient::kSnapshotsKept) {
            snapshots.pop_front();
          }
          callback = snapshot_callback;
          break;
        case api::StreamServerMessage::kTelemetry:
          ++telemetry_received;
          break;
        case api::StreamServerMessage::kEvent:
          stream_events.push_back(message.event());
          break;
        case api::StreamServerMessage::kError:
          stream_errors.push_back(message.error());
          break;
        case api::StreamServerMessage::MESSAGE_NOT_SET:
          break;
      }
    }
    changed.notify_all();
    if (callback) {
      callback(message.snapshot());
    }
    if (message.has_snapshot() && first_snapshot) {
      // A display heartbeats as soon as it has rendered its first snapshot.
      first_snapshot = false;
      heartbeat();
    }
    read_next();
  }

  void failed_quietly() {
    {
      std::lock_guard lock(mutex);
      is_connected = false;
      finished = true;
    }
    timer.cancel();
    changed.notify_all();
  }

  void schedule_heartbeat() {
    timer.expires_after(heartbeat_period);
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closing) {
        return;
      }
      self->heartbeat();
      self->schedule_heartbeat();
    });
  }

  // Echoes the latest snapshot received; none before the first (SR-80).
  void heartbeat() {
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex);
      id = last_snapshot_id;
    }
    if (id == 0) {
      return;
    }
    api::StreamClientMessage message;
    message.mutable_heartbeat()->set_snapshot_id(id);
    send(api_json(message));
    std::lock_guard lock(mutex);
    ++heartbeats;
  }

  void send(std::string text) {
    outgoing.push_back(std::move(text));
    if (!writing) {
      write_next();
    }
  }

  void write_next() {
    if (outgoing.empty() || closing) {
      return;
    }
    writing = true;
    ws.text(true);
    ws.async_write(net::buffer(outgoing.front()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->writing = false;
                     self->outgoing.pop_front();
                     if (!ec) {
                       self->write_next();
                     }
                   });
  }

  // On the client's thread: close the WebSocket politely, or after a second regardless,
  // so that io.run() ends.
  void close() {
    if (closing) {
      return;
    }
    closing = true;
    timer.cancel();
    bool open = false;
    {
      std::lock_guard lock(mutex);
      open = is_connected;
    }
    if (!open) {
      force_close();
      return;
    }
    give_up.expires_after(std::chrono::seconds(1));
    give_up.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) {
        self->force_close();
      }
    });
    ws.async_close(websocket::close_code::normal,
                   [self = shared_from_this()](beast::error_code) { self->force_close(); });
  }

  // The socket closed and every timer cancelled: whatever is pending completes at once and
  // schedules nothing more, so no handler keeps the connection alive.
  void force_close() {
    closing = true;
    timer.cancel();
    give_up.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
  }

  const std::string address;
  const std::uint16_t port;
  const std::chrono::milliseconds heartbeat_period;
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  net::steady_timer timer;
  net::steady_timer give_up;
  std::deque<std::string> outgoing;
  bool writing = false;
  bool closing = false;
  bool first_snapshot = true;

  mutable std::mutex mutex;
  std::condition_variable changed;
  bool is_connected = false;
  bool is_welcomed = false;
  bool finished = false;
  std::string failure;
  std::string reason;
  std::uint64_t last_snapshot_id = 0;
  std::uint64_t snapshots_received = 0;
  std::uint64_t telemetry_received = 0;
  std::uint64_t heartbeats = 0;
  std::deque<api::Status> snapshots;
  std::vector<api::Event> stream_events;
  std::vector<api::ErrorBody> stream_errors;
  std::function<void(const api::Status&)> snapshot_callback;
};

DisplayClient::DisplayClient(std::string address, std::uint16_t port,
                             std::chrono::milliseconds heartbeat_period,
                             std::chrono::milliseconds timeout)
    : connection_(std::make_shared<Connection>(std::move(address), port, heartbeat_period)) {
  connection_->start();
  thread_ = std::thread([c = connection_] { c->io.run(); });
  std::unique_lock lock(connection_->mutex);
  const bool settled = connection_->changed.wait_for(
      lock, timeout, [&] { return connection_->is_welcomed || connection_->finished; });
  if (!settled || !connection_->is_welcomed) {
    const std::string why = !settled                       ? "no welcome within the timeout"
                            : connection_->failure.empty() ? connection_->reason
                                                           : connection_->failure;
    lock.unlock();
    stop();
    throw ApiError("the display connection to " + connection_->address + ":" +
                   std::to_string(connection_->port) + " failed: " + why);
  }
}

DisplayClient::~DisplayClient() { stop(); }

void DisplayClient::stop() {
  if (!thread_.joinable()) {
    return;
  }
  net::post(connection_->io, [c = connection_] { c->close(); });
  thread_.join();
  // Run whatever is still pending (the thread may have ended before the close was posted)
  // to completion on this thread, with the socket closed.
  connection_->io.restart();
  connection_->force_close();
  connection_->io.run();
  std::lock_guard lock(connection_->mutex);
  connection_->is_connected = false;
}

bool DisplayClient::connected() const {
  std::lock_guard lock(connection_->mutex);
  return connection_->is_connected;
}

bool DisplayClient::welcomed() const {
  std::lock_guard lock(connection_->mutex);
  return connection_->is_welcomed;
}

std::optional<api::Status> DisplayClient::latest() const {
  std::lock_guard lock(connection_->mutex);
  if (connection_->snapshots.empty()) {
    return std::nullopt;
  }
  return connection_->snapshots.back();
}

std::uint64_t DisplayClient::snapshot_count() const {
  std::lock_guard lock(connection_->mutex);
  return connection_->snapshots_received;
}

std::vector<api::Status> DisplayClient::snapshots(std::uint64_t from) const {
  std::lock_guard lock(connection_->mutex);
  const std::uint64_t first = connection_->snapshots_received - connection_->snapshots.size();
  std::vector<api::Status> out;
  for (std::uint64_t i = std::max(from, first); i < connection_->snapshots_received; ++i) {
    out.push_back(connection_->snapshots[static_cast<std::size_t>(i - first)]);
  }
  return out;
}

std::uint64_t DisplayClient::telemetry_count() const {
  std::lock_guard lock(connection_->mutex);
  return connection_->telemetry_received;
}

std::uint64_t DisplayClient::heartbeats_sent() const {
  std::lock_guard lock(connection_->mutex);
  return connection_->heartbeats;
}

std::vector<api::Event> DisplayClient::events(std::size_t from) const {
  std::lock_guard lock(connection_->mutex);
  const auto& all = connection_->stream_events;
  return {all.begin() + static_cast<std::ptrdiff_t>(std::min(from, all.size())), all.end()};
}

std::size_t DisplayClient::event_count() const {
  std::lock_guard lock(connection_->mutex);
  return connection_->stream_events.size();
}

std::vector<api::ErrorBody> DisplayClient::errors() const {
  std::lock_guard lock(connection_->mutex);
  return connection_->stream_errors;
}

std::string DisplayClient::close_reason() const {
  std::lock_guard lock(connection_->mutex);
  return connection_->reason;
}

std::optional<api::Status> DisplayClient::wait_for(
    const std::function<bool(const api::Status&)>& done, std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  std::unique_lock lock(connection_->mutex);
  Connection& c = *connection_;
  // From the latest snapshot on, so none that arrives while waiting is missed.
  std::uint64_t next = c.snapshots_received == 0 ? 0 : c.snapshots_received - 1;
  const auto scan = [&]() -> std::optional<api::Status> {
    const std::uint64_t first = c.snapshots_received - c.snapshots.size();
    for (next = std::max(next, first); next < c.snapshots_received; ++next) {
      const api::Status& s = c.snapshots[static_cast<std::size_t>(next - first)];
      if (done(s)) {
        return s;
      }
    }
    return std::nullopt;
  };
  while (true) {
    if (auto found = scan()) {
      return found;
    }
    if (c.finished) {
      return std::nullopt;
    }
    if (c.changed.wait_until(lock, give_up) == std::cv_status::timeout) {
      return scan();
    }
  }
}

bool DisplayClient::wait_for_events(std::size_t count, std::chrono::milliseconds limit) {
  std::unique_lock lock(connection_->mutex);
  return connection_->changed.wait_for(lock, limit, [&] {
    return connection_->stream_events.size() >= count || connection_->finished;
  }) && connection_->stream_events.size() >= count;
}

void DisplayClient::on_snapshot(std::function<void(const api::Status&)> callback) {
  std::lock_guard lock(connection_->mutex);
  connection_->snapshot_callback = std::move(callback);
}

}  // namespace rfneedle::testing
