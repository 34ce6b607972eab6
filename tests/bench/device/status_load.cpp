// Boost.Beast stays in this file (STYLE.md: builds stay quick on two cores).
#include "tests/bench/device/status_load.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace rfneedle::bench {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct StatusLoad::Shared {
  boost::asio::io_context io;
  tcp::endpoint endpoint;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> answered{0};
  std::atomic<std::uint64_t> failed{0};
};

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

// One keep-alive connection: request, answer, request, ...; reconnects when the server
// closes it.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(std::shared_ptr<StatusLoad::Shared> shared)
      : shared_(std::move(shared)), stream_(shared_->io) {
    request_.method(http::verb::get);
    request_.target("/api/v1/status");
    request_.version(11);
    // The Host must name the listen address and port (docs/api.md, 421 otherwise).
    request_.set(http::field::host, "127.0.0.1:" + std::to_string(shared_->endpoint.port()));
    request_.set("X-Rfneedle-Client", "display");
    request_.keep_alive(true);
  }

  void connect() {
    if (shared_->stopping) {
      return;
    }
    stream_.expires_after(kTimeout);
    stream_.async_connect(shared_->endpoint,
                          [self = shared_from_this()](const beast::error_code& ec) {
                            if (ec) {
                              ++self->shared_->failed;
                              self->retry_later();
                              return;
                            }
                            self->send();
                          });
  }

 private:
  void send() {
    if (shared_->stopping) {
      return;
    }
    stream_.expires_after(kTimeout);
    http::async_write(stream_, request_,
                      [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                        if (ec) {
                          self->reconnect(/*failure=*/true);
                          return;
                        }
                        self->receive();
                      });
  }

  void receive() {
    response_ = {};
    http::async_read(stream_, buffer_, response_,
                     [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                       if (ec) {
                         self->reconnect(/*failure=*/true);
                         return;
                       }
                       if (self->response_.result() == http::status::ok) {
                         ++self->shared_->answered;
                       } else {
                         ++self->shared_->failed;
                       }
                       if (!self->response_.keep_alive()) {
                         self->reconnect(/*failure=*/false);
                         return;
                       }
                       self->send();
                     });
  }

  void reconnect(bool failure) {
    if (failure) {
      ++shared_->failed;
    }
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    retry_later();
  }

  void retry_later() {
    if (shared_->stopping) {
      return;
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(shared_->io);
    timer->expires_after(std::chrono::milliseconds(10));
    timer->async_wait(
        [self = shared_from_this(), timer](const beast::error_code&) { self->connect(); });
  }

  std::shared_ptr<StatusLoad::Shared> shared_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

StatusLoad::StatusLoad(std::uint16_t port, int connections)
    : shared_(std::make_shared<Shared>()), start_(std::chrono::steady_clock::now()) {
  shared_->endpoint = tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), port);
  for (int i = 0; i < connections; ++i) {
    std::make_shared<Connection>(shared_)->connect();
  }
  thread_ = std::thread([shared = shared_] { shared->io.run(); });
}

StatusLoad::~StatusLoad() {
  if (thread_.joinable()) {
    (void)stop();
  }
}

LoadResult StatusLoad::stop() {
  LoadResult result;
  result.elapsed = std::chrono::steady_clock::now() - start_;
  result.answered = shared_->answered;
  result.failed = shared_->failed;
  shared_->stopping = true;
  shared_->io.stop();
  thread_.join();
  return result;
}

}  // namespace rfneedle::bench
