#include "hal/serial_transport.h"

#include <termios.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "hal/serial_baud.h"

namespace rfneedle::hal {
namespace {

struct StandardRate {
  unsigned baud;
  speed_t speed;
};

constexpr std::array<StandardRate, 15> kStandardRates = {{
    {9600, B9600},
    {19200, B19200},
    {38400, B38400},
    {57600, B57600},
    {115200, B115200},
    {230400, B230400},
    {460800, B460800},
    {500000, B500000},
    {576000, B576000},
    {921600, B921600},
    {1000000, B1000000},
    {1500000, B1500000},
    {2000000, B2000000},
    {3000000, B3000000},
    {4000000, B4000000},
}};

[[nodiscard]] std::optional<speed_t> standard_speed(unsigned baud) {
  for (const StandardRate& rate : kStandardRates) {
    if (rate.baud == baud) {
      return rate.speed;
    }
  }
  return std::nullopt;
}

// Raw 8N1: no echo, no line editing, no character translation, no flow control.
[[nodiscard]] bool make_raw(int fd, unsigned baud) {
  termios tio{};
  if (tcgetattr(fd, &tio) != 0) {
    return false;
  }
  cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | CRTSCTS);
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  const std::optional<speed_t> speed = standard_speed(baud);
  if (speed && cfsetspeed(&tio, *speed) != 0) {
    return false;
  }
  if (tcsetattr(fd, TCSANOW, &tio) != 0) {
    return false;
  }
  return speed || set_any_baud(fd, baud);
}

}  // namespace

struct SerialTransport::Line : std::enable_shared_from_this<SerialTransport::Line> {
  Line(boost::asio::io_context& io, SerialOptions o, BytesHandler b, ConnectionHandler c)
      : port(io),
        timer(io),
        options(std::move(o)),
        on_bytes(std::move(b)),
        on_connection(std::move(c)),
        out(options.write_buffer_bytes) {}

  void try_open() {
    if (stopped) {
      return;
    }
    boost::system::error_code ec;
    port.open(options.path, ec);
    if (!ec && !make_raw(port.native_handle(), options.baud)) {
      port.close(ec);
      ec = boost::asio::error::invalid_argument;
    }
    if (ec) {
      schedule_reopen();
      return;
    }
    is_connected = true;
    ++generation;
    ++stats.connects;
    out_head = 0;
    out_size = 0;
    on_connection(true);
    read();
  }

  void schedule_reopen() {
    timer.expires_after(options.reconnect_period);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        self->try_open();
      }
    });
  }

  void drop() {
    if (!is_connected) {
      return;
    }
    boost::system::error_code ignored;
    port.close(ignored);
    is_connected = false;
    writing = false;
    ++stats.disconnects;
    if (!stopped) {
      on_connection(false);
      schedule_reopen();
    }
  }

  void read() {
    // Handlers of an earlier connection (aborted by its close) must not touch this one.
    port.async_read_some(boost::asio::buffer(in),
                         [self = shared_from_this(), g = generation](
                             const boost::system::error_code& ec, std::size_t n) {
                           if (self->stopped || !self->is_connected || g != self->generation) {
                             return;
                           }
                           if (ec) {
                             self->drop();  // EOF, EIO (pty master gone), device unplugged
                             return;
                           }
                           self->stats.bytes_read += n;
                           self->on_bytes(std::span<const std::uint8_t>(self->in.data(), n));
                           if (self->is_connected && !self->stopped) {
                             self->read();
                           }
                         });
  }

  bool write(std::span<const std::uint8_t> bytes) {
    if (!is_connected || bytes.size() > out.size() - out_size) {
      ++stats.writes_refused;
      return false;
    }
    for (std::uint8_t b : bytes) {
      out[(out_head + out_size) % out.size()] = b;
      ++out_size;
    }
    flush();
    return true;
  }

  void flush() {
    if (writing || out_size == 0 || !is_connected) {
      return;
    }
    writing = true;
    const std::size_t contiguous = std::min(out_size, out.size() - out_head);
    port.async_write_some(boost::asio::buffer(out.data() + out_head, contiguous),
                          [self = shared_from_this(), g = generation](
                              const boost::system::error_code& ec, std::size_t n) {
                            if (self->stopped || !self->is_connected || g != self->generation) {
                              return;
                            }
                            self->writing = false;
                            if (ec) {
                              self->drop();
                              return;
                            }
                            self->stats.bytes_written += n;
                            self->out_head = (self->out_head + n) % self->out.size();
                            self->out_size -= n;
                            self->flush();
                          });
  }

  void stop() {
    stopped = true;
    timer.cancel();
    boost::system::error_code ignored;
    port.close(ignored);
    is_connected = false;
  }

  boost::asio::serial_port port;
  boost::asio::steady_timer timer;
  SerialOptions options;
  BytesHandler on_bytes;
  ConnectionHandler on_connection;
  std::array<std::uint8_t, 4096> in{};
  std::vector<std::uint8_t> out;  // ring, sized once
  std::size_t out_head = 0;
  std::size_t out_size = 0;
  bool writing = false;
  bool is_connected = false;
  bool stopped = false;
  std::uint64_t generation = 0;
  SerialStats stats;
};

SerialTransport::SerialTransport(boost::asio::io_context& io, SerialOptions options,
                                 BytesHandler on_bytes, ConnectionHandler on_connection)
    : line_(std::make_shared<Line>(io, std::move(options), std::move(on_bytes),
                                   std::move(on_connection))) {}

SerialTransport::~SerialTransport() { line_->stop(); }

void SerialTransport::start() {
  line_->stopped = false;
  line_->try_open();
}

void SerialTransport::stop() { line_->stop(); }

bool SerialTransport::write(std::span<const std::uint8_t> bytes) { return line_->write(bytes); }

bool SerialTransport::connected() const { return line_->is_connected; }

std::size_t SerialTransport::pending_write_bytes() const { return line_->out_size; }

const SerialStats& SerialTransport::stats() const { return line_->stats; }

}  // namespace rfneedle::hal
