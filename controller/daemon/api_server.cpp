// Boost.Beast, after its advanced_server and websocket_server_async examples (STYLE): one
// session object per connection, kept alive by its own handler chain; a body limit set
// before every read; a timeout on every stream. Two threads: the sockets live on the
// network thread (Network::io, no strands: one thread); ApiService lives on the service
// thread. They meet only by posting: a request goes to the service thread, its answer
// comes back; what the service thread keeps of a connection (a Respond, a StreamPeer) holds
// it only weakly and reaches it through the Gate, which drops everything once the network
// thread has stopped, so nothing bound to the network's io_context outlives it.
#include "controller/daemon/api_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "controller/daemon/api_json.h"

namespace rfneedle::daemon {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::chrono::seconds kCloseGrace{1};    // for the connections' close handshakes
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::size_t kStreamMessageLimit = 4 * 1024;  // hello and heartbeat are tiny
constexpr std::string_view kStreamPath = "/api/v1/stream";

class Connection {
 public:
  virtual void shut() = 0;  // on the network thread

 protected:
  ~Connection() = default;
};

// Posts to the network thread while it runs; afterwards drops what it is given.
class Gate {
 public:
  explicit Gate(net::io_context& io) : io_(&io) {}
  void post(std::function<void()> f) {
    std::lock_guard lock(mutex_);
    if (io_ != nullptr) {
      net::post(*io_, std::move(f));
    }
  }
  void close() {
    std::lock_guard lock(mutex_);
    io_ = nullptr;
  }

 private:
  std::mutex mutex_;
  net::io_context* io_;
};

struct Shared {
  Shared(net::io_context& service_context, DeviceGateway& g, std::shared_ptr<Gate> network_gate,
         ApiServerLimits l)
      : service_io(service_context), gateway(g), gate(std::move(network_gate)), limits(l) {}
  net::io_context& service_io;
  DeviceGateway& gateway;  // only stop() from the network thread: thread-safe
  std::shared_ptr<Gate> gate;
  const ApiServerLimits limits;
  // The service thread's: null once the server stopped. The network thread calls only
  // its refuse_browser(), which reads nothing but the options fixed at construction.
  ApiService* service = nullptr;
  // The network thread's.
  std::vector<std::weak_ptr<Connection>> connections;
  void track(const std::shared_ptr<Connection>& c) {
    std::erase_if(connections, [](const auto& w) { return w.expired(); });
    connections.push_back(c);
  }
  // Runs `f` with the ApiService on the service thread, if it is still there.
  template <typename F>
  static void on_service(const std::shared_ptr<Shared>& shared, F f) {
    net::post(shared->service_io, [shared, f = std::move(f)]() mutable {
      if (shared->service != nullptr) {
        f(*shared->service);
      }
    });
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

class StreamSession;

// What the service thread holds of one WebSocket connection.
class PeerHandle final : public StreamPeer {
 public:
  PeerHandle(std::shared_ptr<Gate> gate, std::weak_ptr<StreamSession> session, bool loopback)
      : gate_(std::move(gate)), session_(std::move(session)), loopback_(loopback) {}
  void send(SendQueue::Kind kind, std::string text) override;
  void close(std::string reason) override;
  [[nodiscard]] bool from_loopback() const override { return loopback_; }

 private:
  std::shared_ptr<Gate> gate_;
  std::weak_ptr<StreamSession> session_;
  bool loopback_;
};

class StreamSession final : public Connection, public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(beast::tcp_stream&& stream, std::shared_ptr<Shared> shared, bool loopback)
      : ws_(std::move(stream)),
        hello_timer_(ws_.get_executor()),
        shared_(std::move(shared)),
        loopback_(loopback) {}

  void run(http::request<http::string_body> request) {
    peer_ = std::make_shared<PeerHandle>(shared_->gate, weak_from_this(), loopback_);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kStreamMessageLimit);
    ws_.async_accept(request,
                     beast::bind_front_handler(&StreamSession::on_accept, shared_from_this()));
  }

  // From the service thread, through the gate.
  void send(SendQueue::Kind kind, std::string text) {
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

  void close(std::string reason) {
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
    Shared::on_service(shared_, [peer = peer_](ApiService& s) { s.stream_opened(*peer); });
    hello_timer_.expires_after(shared_->limits.hello_timeout);
    hello_timer_.async_wait([self = shared_from_this()](beast::error_code timer_ec) {
      if (timer_ec) {
        return;
      }
      Shared::on_service(self->shared_, [peer = self->peer_,
                                         limit = self->shared_->limits.hello_timeout](
                                            ApiService& s) {
        if (!s.stream_admitted(*peer)) {
          peer->close("no hello within " + duration_text(limit));
        }
      });
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
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!closing_) {
      Shared::on_service(shared_, [peer = peer_, text = std::move(text)](ApiService& s) {
        s.stream_message(*peer, text);
      });
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

  // Leaves the stream at once: the service thread queues no more messages to it.
  void finish() {
    if (finished_) {
      return;
    }
    finished_ = true;
    hello_timer_.cancel();
    Shared::on_service(shared_, [peer = peer_](ApiService& s) { s.stream_closed(*peer); });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  net::steady_timer hello_timer_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<PeerHandle> peer_;
  SendQueue queue_;
  std::string reason_;
  bool loopback_;
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

void PeerHandle::send(SendQueue::Kind kind, std::string text) {
  gate_->post([session = session_, kind, text = std::move(text)]() mutable {
    if (auto s = session.lock()) {
      s->send(kind, std::move(text));
    }
  });
}

void PeerHandle::close(std::string reason) {
  gate_->post([session = session_, reason = std::move(reason)]() mutable {
    if (auto s = session.lock()) {
      s->close(std::move(reason));
    }
  });
}

class HttpSession final : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<Shared> shared, bool metrics_only = false)
      : stream_(std::move(socket)), shared_(std::move(shared)), metrics_only_(metrics_only) {
    beast::error_code ec;
    loopback_ = stream_.socket().remote_endpoint(ec).address().is_loopback() && !ec;
  }

  void run() { read_next(); }
  void shut() override {
    awaiting_answer_.reset();
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
      HttpRequest in = to_service(parser_->get(), loopback_);
      HttpResponse refused =
          error_response(413, error_body("request body too large", "", "at most 65536 bytes"));
      awaiting_answer_ = shared_from_this();
      Respond respond = answer_here(false, 11);
      return Shared::on_service(shared_, [in = std::move(in), refused = std::move(refused),
                                          respond = std::move(respond)](ApiService& s) mutable {
        s.refuse_unread(in, std::move(refused), respond);
      });
    }
    if (ec == http::error::header_limit) {
      return fail(431, "request headers too large", "at most 8192 bytes");
    }
    if (ec) {
      return fail(400, "malformed HTTP request", "HTTP/1.1 (RFC 9112)");
    }
    http::request<http::string_body> request = parser_->release();
    if (metrics_only_) {
      return answer_metrics(request);
    }
    HttpRequest in = to_service(request, loopback_);
    if (websocket::is_upgrade(request) && target_path(request.target()) == kStreamPath) {
      // A page from elsewhere may open a WebSocket to the device: its Origin says so.
      if (auto refused = shared_->service->refuse_browser(in)) {
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
    if (ApiService::is_loopback_stop(in)) {
      // SR-76: here, not behind the service thread's work; the audit follows there.
      shared_->gateway.stop();
      write(ApiService::stop_answer(), keep_alive, version);
      Shared::on_service(shared_, [](ApiService& s) { s.audit_stop(); });
      return;
    }
    // Kept open until the answer comes back from the service thread (or the server stops).
    awaiting_answer_ = shared_from_this();
    Respond respond = answer_here(keep_alive, version);
    Shared::on_service(shared_, [in = std::move(in), respond = std::move(respond)](ApiService& s) {
      s.handle(in, respond);
    });
  }

  // The metrics-only listener (--metrics-listen): GET /metrics and nothing else, from any
  // peer; no Host check, since a clinic's Prometheus names the device as it knows it.
  void answer_metrics(const http::request<http::string_body>& request) {
    const bool keep_alive = request.keep_alive();
    const unsigned version = request.version();
    if (target_path(request.target()) != "/metrics") {
      return write(error_response(404, error_body("this listener serves only /metrics", "",
                                                  "GET /metrics")),
                   keep_alive, version);
    }
    if (request.method() != http::verb::get) {
      HttpResponse r = error_response(405, error_body("method not allowed", "", "GET"));
      r.allow = "GET";
      return write(std::move(r), keep_alive, version);
    }
    awaiting_answer_ = shared_from_this();
    Respond respond = answer_here(keep_alive, version);
    Shared::on_service(shared_, [respond = std::move(respond)](ApiService& s) {
      respond(s.metrics());
    });
  }

  // What the service thread calls with its answer: written here, on the network thread.
  Respond answer_here(bool keep_alive, unsigned version) {
    return [gate = shared_->gate, session = weak_from_this(), keep_alive,
            version](HttpResponse out) {
      gate->post([session, out = std::move(out), keep_alive, version]() mutable {
        if (auto s = session.lock()) {
          s->awaiting_answer_.reset();
          s->write(std::move(out), keep_alive, version);
        }
      });
    };
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
  std::shared_ptr<HttpSession> awaiting_answer_;
  bool loopback_ = false;
  bool metrics_only_ = false;
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

struct ApiServer::Network {
  Network(net::io_context& service_io, DeviceGateway& gateway, ApiServerLimits limits)
      : acceptor(io),
        gate(std::make_shared<Gate>(io)),
        shared(std::make_shared<Shared>(service_io, gateway, gate, limits)) {}

  void accept_next() { accept_on(acceptor, false); }
  void accept_metrics_next() { accept_on(*metrics_acceptor, true); }
  void accept_on(tcp::acceptor& on, bool metrics_only) {
    on.async_accept([this, &on, metrics_only](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != net::error::operation_aborted && on.is_open()) {
          accept_on(on, metrics_only);
        }
        return;
      }
      auto session = std::make_shared<HttpSession>(std::move(socket), shared, metrics_only);
      shared->track(session);
      session->run();
      accept_on(on, metrics_only);
    });
  }

  // Declared first: destroyed last, after everything bound to it.
  net::io_context io;
  tcp::acceptor acceptor;
  std::optional<tcp::acceptor> metrics_acceptor;  // --metrics-listen
  std::shared_ptr<Gate> gate;
  std::shared_ptr<Shared> shared;
  std::unique_ptr<ApiService> service;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;
  std::future<void> finished;
  bool stopped = false;
};

ApiServer::ApiServer(net::io_context& io, DeviceGateway& gateway, Store& store, ApiOptions options,
                     const std::string& address, std::uint16_t port, ApiServerLimits limits) {
  if (auto why = check_listen_address(address)) {
    throw std::invalid_argument("--listen: " + *why);
  }
  network_ = std::make_unique<Network>(io, gateway, limits);
  const tcp::endpoint endpoint(net::ip::make_address(address), port);
  tcp::acceptor& a = network_->acceptor;
  a.open(endpoint.protocol());
  a.set_option(net::socket_base::reuse_address(true));
  a.bind(endpoint);
  a.listen(net::socket_base::max_listen_connections);
  port_ = a.local_endpoint().port();
  // Issue 10: the Host of every request must name what was bound.
  options.listen_address = endpoint.address().to_string();
  options.listen_port = port_;
  auto post = [&io](std::function<void()> f) { net::post(io, std::move(f)); };
  network_->service = std::make_unique<ApiService>(gateway, store, std::move(options), post);
  network_->shared->service = network_->service.get();
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::listen_metrics(const std::string& address, std::uint16_t port) {
  beast::error_code ec;
  const auto parsed = net::ip::make_address(address, ec);
  if (ec) {
    throw std::invalid_argument("--metrics-listen: not a numeric IP address: '" + address + "'");
  }
  const tcp::endpoint endpoint(parsed, port);
  tcp::acceptor& a = network_->metrics_acceptor.emplace(network_->io);
  a.open(endpoint.protocol());
  a.set_option(net::socket_base::reuse_address(true));
  a.bind(endpoint);
  a.listen(net::socket_base::max_listen_connections);
  metrics_port_ = a.local_endpoint().port();
}

void ApiServer::start() {
  Network& n = *network_;
  if (n.thread.joinable() || n.stopped) {
    return;
  }
  std::promise<void> done;
  n.finished = done.get_future();
  n.work.emplace(net::make_work_guard(n.io));  // up, accepting or not, until stop()
  n.accept_next();
  if (n.metrics_acceptor) {
    n.accept_metrics_next();
  }
  n.thread = std::thread([&n, done = std::move(done)]() mutable {
    n.io.run();
    done.set_value();
  });
}

void ApiServer::stop() {
  Network& n = *network_;
  if (n.stopped) {
    return;
  }
  n.stopped = true;
  if (n.thread.joinable()) {
    net::post(n.io, [&n] {
      beast::error_code ec;
      n.acceptor.close(ec);
      if (n.metrics_acceptor) {
        n.metrics_acceptor->close(ec);
      }
      for (const auto& weak : n.shared->connections) {
        if (auto c = weak.lock()) {
          c->shut();
        }
      }
      n.shared->connections.clear();
    });
    // run() returns once the closed connections' handlers have run; a close handshake
    // that hangs is cut short.
    n.work.reset();
    if (n.finished.wait_for(kCloseGrace) == std::future_status::timeout) {
      n.io.stop();
    }
    n.thread.join();
  }
  n.gate->close();
  n.shared->service = nullptr;
  n.service.reset();
}

}  // namespace rfneedle::daemon
