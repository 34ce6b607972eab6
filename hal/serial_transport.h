// The serial line to one board, as the daemon's and the simulator's shells use it: the
// terminal in raw mode at a configurable baud rate (DESIGN 3: 921 600 8N1 by default),
// read when the io_context reports it readable, a bounded write buffer, and
// reconnection: when the device goes away (read error or end of file) the path is
// reopened every reconnect_period until it is back. Works on real serial devices and
// pseudo-terminals (where the baud rate is accepted and irrelevant). Not sans-I/O: this
// is a shell.
//
// Every call and every callback happens on the io_context's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace boost::asio {
class io_context;
}

namespace rfneedle::hal {

struct SerialOptions {
  std::string path;  // e.g. /dev/ttyUSB0, or the simulator's pty symlink
  unsigned baud = 921'600;
  std::chrono::milliseconds reconnect_period{100};
  std::size_t write_buffer_bytes = 64 * 1024;  // bounded: a full buffer refuses writes
};

struct SerialStats {
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t writes_refused = 0;  // buffer full or disconnected
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
};

class SerialTransport {
 public:
  using BytesHandler = std::function<void(std::span<const std::uint8_t>)>;
  using ConnectionHandler = std::function<void(bool connected)>;

  SerialTransport(boost::asio::io_context& io, SerialOptions options, BytesHandler on_bytes,
                  ConnectionHandler on_connection);
  ~SerialTransport();
  SerialTransport(const SerialTransport&) = delete;
  SerialTransport& operator=(const SerialTransport&) = delete;

  // Opens the path now, or keeps trying every reconnect_period.
  void start();
  void stop();
  // Queues bytes for writing; false (and nothing queued) when disconnected or when they do
  // not fit the write buffer.
  [[nodiscard]] bool write(std::span<const std::uint8_t> bytes);
  [[nodiscard]] bool connected() const;
  [[nodiscard]] std::size_t pending_write_bytes() const;
  [[nodiscard]] const SerialStats& stats() const;

 private:
  struct Line;
  std::shared_ptr<Line> line_;  // shared with pending handlers, which may outlive us
};

}  // namespace rfneedle::hal
