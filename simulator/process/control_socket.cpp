#include "simulator/process/control_socket.h"

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <istream>
#include <system_error>

namespace rfneedle::sim {

class ControlSocket::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::local::stream_protocol::socket socket, const Handler& handler)
      : socket_(std::move(socket)), buffer_(kMaxRequestBytes), handler_(handler) {}

  void read() {
    boost::asio::async_read_until(
        socket_, buffer_, '\n',
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          if (ec == boost::asio::error::not_found) {
            self->answer("error: request longer than 4096 bytes", /*then_close=*/true);
            return;
          }
          if (ec) {
            return;  // closed by the client
          }
          std::istream in(&self->buffer_);
          std::string line;
          std::getline(in, line);
          if (!line.empty() && line.back() == '\r') {
            line.pop_back();
          }
          self->answer(self->handler_(line), /*then_close=*/false);
        });
  }

 private:
  void answer(std::string text, bool then_close) {
    reply_ = std::move(text) + "\n";
    boost::asio::async_write(
        socket_, boost::asio::buffer(reply_),
        [self = shared_from_this(), then_close](const boost::system::error_code& ec, std::size_t) {
          if (!ec && !then_close) {
            self->read();
          }
        });
  }

  boost::asio::local::stream_protocol::socket socket_;
  boost::asio::streambuf buffer_;
  Handler handler_;
  std::string reply_;
};

ControlSocket::ControlSocket(boost::asio::io_context& io, std::filesystem::path path,
                             Handler handler)
    : path_(std::move(path)), handler_(std::move(handler)), acceptor_(io) {
  std::error_code ec;
  if (path_.has_parent_path()) {
    std::filesystem::create_directories(path_.parent_path(), ec);
  }
  const auto status = std::filesystem::symlink_status(path_, ec);
  if (status.type() == std::filesystem::file_type::socket) {
    std::filesystem::remove(path_, ec);
  } else if (std::filesystem::exists(status)) {
    throw std::system_error(EEXIST, std::generic_category(),
                            path_.string() + " exists and is not a socket; refusing to replace it");
  }
  boost::system::error_code bec;
  boost::asio::local::stream_protocol::endpoint endpoint(path_.string());
  if (acceptor_.open(endpoint.protocol(), bec) || acceptor_.bind(endpoint, bec) ||
      acceptor_.listen(boost::asio::socket_base::max_listen_connections, bec)) {
    throw std::system_error(bec.value(), std::generic_category(),
                            "cannot listen on " + path_.string());
  }
  accept();
}

ControlSocket::~ControlSocket() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  std::error_code fec;
  std::filesystem::remove(path_, fec);
}

void ControlSocket::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec,
                                boost::asio::local::stream_protocol::socket socket) {
    if (ec == boost::asio::error::operation_aborted) {
      return;
    }
    if (!ec) {
      std::make_shared<Connection>(std::move(socket), handler_)->read();
    }
    accept();
  });
}

}  // namespace rfneedle::sim
