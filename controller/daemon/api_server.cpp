// Boost.Beast, after its advanced_server and websocket_server_async examples (STYLE): one
// session object per connection, kept alive by its own handler chain; a body limit set
// before every read; a timeout on every stream. Single-threaded: everything runs on the
// io_context's one thread (the service thread), so there are no strands.
#include "controller/daemon/api_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>
#include <vector>

#include "controller/daemon/api_json.h"

namespace rfneedle::daemon {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::size_t kStreamMessageLimit = 4 * 1024;  // hello and heartbeat are tiny
constexpr std::string_view kStreamPath = "/api/v1/stream";

class Connection {
 public:
  virtual void shut() = 0;

 protected:
  ~Connection() = default;
};

struct Shared {
  Shared(DeviceGateway& gateway, Store& store, ApiOptions options, HashWorker::Post post,
         ApiServerLimits l)
      : service(gateway, store, std::move(options), std::move(post)), limits(l) {}
  ApiService service;
  ApiServerLimits limits;
  std::vector<std::weak_ptr<Connection>> connections;
  void track(const std::shared_ptr<Connection>& c) {
    std::erase_if(connections, [](const auto& w) { return w.expired(); });
    connections.push_back(c);
  }
};

std::string target_path(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

// "1 s", "200 ms": as the close reason says it.
std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) {
    return std::to_string(d.count() / 1000) + " s";
  }
  return std::to_string(d.count()) + " ms";
}

HttpRequest to_service(const http::request_header<>& request, bool loopback) {
  HttpRequest in;
  in.method = std::string(request.method_string());
  in.target = std::string(request.target());
  in.host = std::string(request[http::field::host]);
  if (request.find(http::field::origin) != request.end()) {
    in.origin = std::string(request[http::field::origin]);
  }
  in.content_type = std::string(request[http::field::content_type]);
  in.authorization = std::string(request[http::field::authorization]);
  in.display = request["X-Rfneedle-Client"] == "display";
  in.from_loopback = loopback;
  return in;
}

class StreamSession final : public Connection,
                            public StreamPeer,
                            public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(beast::tcp_stream&& stream, std::shared_ptr<Shared> shared, bool loopback)
      : ws_(std::move(stream)),
        hello_timer_(ws_.get_executor()),
        shared_(std::move(shared)),
        loopback_(loopback) {}
  ~StreamSession() { finish(); }

  void run(http::request<http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kStreamMessageLimit);
    ws_.async_accept(request,
                     beast::bind_front_handler(&StreamSession::on_accept, shared_from_this()));
  }

  void send(SendQueue::Kind kind, std::string text) override {
    if (closing_ || finished_) {
      return;
    }
    if (!queue_.push(kind, std::move(text))) {
      close("cannot keep up with events: resume with GET /api/v1/events?after_id=");
      return;
    }
    if (!writing_) {
      write_next();
    }
  }

  void close(std::string reason) override {
    if (closing_ || finished_) {
      return;
    }
    closing_ = true;
    reason_ = std::move(reason);
    hello_timer_.cancel();
    if (!writing_ && accepted_) {
      close_now();
    }
  }

  [[nodiscard]] bool from_loopback() const override { return loopback_; }
  void shut() override { close("rfneedled is stopping"); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      finish();
      return;
    }
    accepted_ = true;
    if (closing_) {
      close_now();
      return;
    }
    shared_->service.stream_opened(*this);
    hello_timer_.expires_after(shared_->limits.hello_timeout);
    hello_timer_.async_wait([self = shared_from_this()](beast::error_code timer_ec) {
      if (!timer_ec && !self->shared_->service.stream_admitted(*self)) {
        self->close("no hello within " + duration_text(self->shared_->limits.hello_timeout));
      }
    });
    read_next();
  }

  void read_next() {
    ws_.async_read(buffer_, beast::bind_front_handler(&StreamSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      finish();
      return;
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!closing_) {
      shared_->service.stream_message(*this, text);
    }
    read_next();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.begin_write()),
                    beast::bind_front_handler(&StreamSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    queue_.pop();
    if (ec) {
      finish();
      return;
    }
    if (closing_) {
      close_now();
      return;
    }
    if (!queue_.empty()) {
      write_next();
    }
  }

  void close_now() {
    finish();
    ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, reason_),
                    [self = shared_from_this()](beast::error_code) {});
  }

  // Leaves the stream at once: no more messages are queued to it.
  void finish() {
    if (finished_) {
      return;
    }
    finished_ = true;
    hello_timer_.cancel();
    shared_->service.stream_closed(*this);
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  net::steady_timer hello_timer_;
  std::shared_ptr<Shared> shared_;
  SendQueue queue_;
  std::string reason_;
  bool loopback_;
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

class HttpSession final : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    beast::error_code ec;
    loopback_ = stream_.socket().remote_endpoint(ec).address().is_loopback() && !ec;
  }

  void run() { read_next(); }
  void shut() override {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void read_next() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);  // before reading (STYLE: Beast's examples)
    parser_->header_limit(kHeaderLimit);
    // The whole request within the timeout: a slow or partial one is cut off (slowloris).
    stream_.expires_after(shared_->limits.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return shut();
    }
    if (ec == http::error::body_limit) {
      // Its headers were read: refused like any other request, and audited (SR-72).
      const HttpRequest in = to_service(parser_->get(), loopback_);
      return shared_->service.refuse_unread(
          in, error_response(413, error_body("request body too large", "", "at most 65536 bytes")),
          [self = shared_from_this()](HttpResponse out) {
            self->write(std::move(out), false, 11);
          });
    }
    if (ec == http::error::header_limit) {
      return fail(431, "request headers too large", "at most 8192 bytes");
    }
    if (ec) {
      return fail(400, "malformed HTTP request", "HTTP/1.1 (RFC 9112)");
    }
    http::request<http::string_body> request = parser_->release();
    HttpRequest in = to_service(request, loopback_);
    if (websocket::is_upgrade(request) && target_path(request.target()) == kStreamPath) {
      // A page from elsewhere may open a WebSocket to the device: its Origin says so.
      if (auto refused = shared_->service.refuse_browser(in)) {
        return write(std::move(*refused), false, request.version());
      }
      auto stream = std::make_shared<StreamSession>(std::move(stream_), shared_, loopback_);
      shared_->track(stream);
      stream->run(std::move(request));
      return;
    }
    in.body = std::move(request.body());
    const bool keep_alive = request.keep_alive();
    const unsigned version = request.version();
    shared_->service.handle(in, [self = shared_from_this(), keep_alive, version](HttpResponse out) {
      self->write(std::move(out), keep_alive, version);
    });
  }

  void fail(unsigned status, std::string what, std::string rule) {
    write(error_response(status, error_body(std::move(what), "", std::move(rule))), false, 11);
  }

  void write(HttpResponse out, bool keep_alive, unsigned version) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(out.status), version);
    response->set(http::field::server, "rfneedled");
    response->set(http::field::content_type, out.content_type);
    response->set(http::field::cache_control, "no-store");
    if (out.retry_after_s) {
      response->set(http::field::retry_after, std::to_string(*out.retry_after_s));
    }
    if (!out.allow.empty()) {
      response->set(http::field::allow, out.allow);
    }
    response->keep_alive(keep_alive);
    response->body() = std::move(out.body);
    response->prepare_payload();
    stream_.expires_after(shared_->limits.request_timeout);
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                        if (ec || !response->keep_alive()) {
                          return self->shut();
                        }
                        self->read_next();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Shared> shared_;
  bool loopback_ = false;
};

}  // namespace

std::optional<std::string> check_listen_address(std::string_view address) {
  beast::error_code ec;
  const auto parsed = net::ip::make_address(std::string(address), ec);
  if (ec) {
    return "not a numeric IP address: '" + std::string(address) + "'";
  }
  if (!parsed.is_loopback()) {
    return "not a loopback address: '" + std::string(address) +
           "' (the API is for the device itself; use 127.0.0.1)";
  }
  return std::nullopt;
}

struct ApiServer::Listener : std::enable_shared_from_this<ApiServer::Listener> {
  Listener(tcp::acceptor a, std::shared_ptr<Shared> s)
      : acceptor(std::move(a)), shared(std::move(s)) {}

  void accept_next() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != net::error::operation_aborted && self->acceptor.is_open()) {
          self->accept_next();
        }
        return;
      }
      auto session = std::make_shared<HttpSession>(std::move(socket), self->shared);
      self->shared->track(session);
      session->run();
      self->accept_next();
    });
  }

  tcp::acceptor acceptor;
  std::shared_ptr<Shared> shared;
};

ApiServer::ApiServer(net::io_context& io, DeviceGateway& gateway, Store& store, ApiOptions options,
                     const std::string& address, std::uint16_t port, ApiServerLimits limits) {
  if (auto why = check_listen_address(address)) {
    throw std::invalid_argument("--listen: " + *why);
  }
  const tcp::endpoint endpoint(net::ip::make_address(address), port);
  tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  // Issue 10: the Host of every request must name what was bound.
  options.listen_address = endpoint.address().to_string();
  options.listen_port = acceptor.local_endpoint().port();
  auto post = [&io](std::function<void()> f) { net::post(io, std::move(f)); };
  auto shared =
      std::make_shared<Shared>(gateway, store, std::move(options), std::move(post), limits);
  listener_ = std::make_shared<Listener>(std::move(acceptor), std::move(shared));
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::start() { listener_->accept_next(); }

void ApiServer::stop() {
  beast::error_code ec;
  listener_->acceptor.close(ec);
  for (const auto& weak : listener_->shared->connections) {
    if (auto c = weak.lock()) {
      c->shut();
    }
  }
  listener_->shared->connections.clear();
}

std::uint16_t ApiServer::port() const { return listener_->acceptor.local_endpoint().port(); }

}  // namespace rfneedle::daemon
