// The simulator's control socket (DESIGN 5): a Unix stream socket taking one request a
// line and answering each with one line. What a request means is the handler's business;
// this class only moves lines. Fault injection travels here, never over device.proto.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace rfneedle::sim {

class ControlSocket {
 public:
  // Takes a request line (without its newline) and returns the answer line.
  using Handler = std::function<std::string(const std::string& request)>;
  // Longest request accepted; a longer one is answered with an error and the connection
  // is closed, so a client cannot make the simulator buffer without bound.
  static constexpr std::size_t kMaxRequestBytes = 4096;

  // Throws std::system_error naming the path if it cannot listen there. Missing parent
  // folders are created; a stale socket file at the path is replaced; any other file there
  // is an error.
  ControlSocket(boost::asio::io_context& io, std::filesystem::path path, Handler handler);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

 private:
  class Connection;
  void accept();

  std::filesystem::path path_;
  Handler handler_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
};

}  // namespace rfneedle::sim
