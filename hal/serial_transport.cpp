#include "hal/serial_transport.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <optional>
#include <utility>
#include <vector>

#include "hal/serial_baud.h"
#include "hal/tty_edge.h"

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

// The line's descriptor sits in an edge-triggered epoll set of its own and the io_context
// waits on that set, never on the terminal (hal/tty_edge.h says why).
struct SerialTransport::Line : std::enable_shared_from_this<SerialTransport::Line> {
  Line(boost::asio::io_context& io_context, SerialOptions o, BytesHandler b, ConnectionHandler c)
      : io(io_context),
        ready(io_context),
        timer(io_context),
        options(std::move(o)),
        on_bytes(std::move(b)),
        on_connection(std::move(c)),
        out(options.write_buffer_bytes) {}

  void try_open() {
    if (stopped) {
      return;
    }
    if (!open_line()) {
      close_line();
      schedule_reopen();
      return;
    }
    is_connected = true;
    ++generation;
    ++stats.connects;
    out_head = 0;
    out_size = 0;
    on_connection(true);
    wait();
  }

  [[nodiscard]] bool open_line() {
    fd = ::open(options.path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || !make_raw(fd, options.baud)) {
      return false;
    }
    const int set = open_edge_set(fd);
    if (set < 0) {
      return false;
    }
    boost::system::error_code ec;
    ready.assign(set, ec);
    if (ec) {
      ::close(set);
      return false;
    }
    writable_wanted = false;
    return true;
  }

  void close_line() {
    boost::system::error_code ignored;
    ready.close(ignored);  // the epoll set; a pending wait ends with operation_aborted
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
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
    close_line();
    is_connected = false;
    ++stats.disconnects;
    if (!stopped) {
      on_connection(false);
      schedule_reopen();
    }
  }

  // Handlers of an earlier connection (aborted by its close) must not touch this one.
  [[nodiscard]] bool current(std::uint64_t g) const {
    return !stopped && is_connected && g == generation;
  }

  void wait() {
    ready.async_wait(
        boost::asio::posix::descriptor_base::wait_read,
        [self = shared_from_this(), g = generation](const boost::system::error_code& ec) {
          if (!self->current(g)) {
            return;
          }
          if (ec) {
            self->drop();
            return;
          }
          self->on_ready(g);
        });
  }

  void on_ready(std::uint64_t g) {
    const std::int64_t events = take_edge_events(ready.native_handle());
    if (events < 0) {
      drop();
      return;
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
      read_all();
    }
    if ((events & EPOLLOUT) != 0 && current(g)) {
      flush();
    }
    if (current(g)) {
      wait();
    }
  }

  void read_all() {
    const std::uint64_t g = generation;
    const ReadEnd end = read_until_short(fd, in, [&](std::span<const std::uint8_t> bytes) {
      stats.bytes_read += bytes.size();
      on_bytes(bytes);
      return current(g);
    });
    if (end == ReadEnd::kClosed && current(g)) {
      drop();  // EOF, EIO (pty master gone), device unplugged
    }
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

  // Writes what the line takes now; the rest once the set reports it writable. A write
  // error drops the line from the io_context, not from inside the caller's write().
  void flush() {
    while (out_size > 0) {
      const std::size_t contiguous = std::min(out_size, out.size() - out_head);
      const ssize_t n = ::write(fd, out.data() + out_head, contiguous);
      if (n > 0) {
        stats.bytes_written += static_cast<std::uint64_t>(n);
        out_head = (out_head + static_cast<std::size_t>(n)) % out.size();
        out_size -= static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        want_writable(true);
        return;
      } else {
        boost::asio::post(io, [self = shared_from_this(), g = generation] {
          if (self->current(g)) {
            self->drop();
          }
        });
        return;
      }
    }
    want_writable(false);
  }

  void want_writable(bool wanted) {
    if (wanted != writable_wanted && hal::want_writable(ready.native_handle(), fd, wanted)) {
      writable_wanted = wanted;
    }
  }

  void stop() {
    stopped = true;
    timer.cancel();
    close_line();
    is_connected = false;
  }

  boost::asio::io_context& io;
  boost::asio::posix::stream_descriptor ready;  // the epoll set holding `fd`
  boost::asio::steady_timer timer;
  SerialOptions options;
  BytesHandler on_bytes;
  ConnectionHandler on_connection;
  int fd = -1;
  std::array<std::uint8_t, 4096> in{};
  std::vector<std::uint8_t> out;  // ring, sized once
  std::size_t out_head = 0;
  std::size_t out_size = 0;
  bool writable_wanted = false;
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
