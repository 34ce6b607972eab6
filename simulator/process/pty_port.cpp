#include "simulator/process/pty_port.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <cerrno>
#include <system_error>

#include "hal/tty_edge.h"

namespace rfneedle::sim {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

PtyPort::PtyPort(boost::asio::io_context& io, std::filesystem::path link_path, std::uint32_t baud)
    : link_path_(std::move(link_path)),
      bytes_per_second_(baud / 10.0),  // 8N1: ten bits a byte
      ready_(io),
      timer_(io) {
  open_pty();
}

void PtyPort::open_pty() {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (master < 0) {
    fail("cannot open a pseudo-terminal for " + link_path_.string());
  }
  master_ = master;
  // Read only when this set reports the master readable (hal/tty_edge.h): a read of an
  // empty master would wait for the kernel's tty worker, holding up both boards' ticks.
  const int set = hal::open_edge_set(master);
  if (set < 0) {
    fail("cannot watch the pseudo-terminal for " + link_path_.string());
  }
  ready_.assign(set);
  if (::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    fail("cannot unlock the pseudo-terminal for " + link_path_.string());
  }
  char name[128];
  if (::ptsname_r(master, name, sizeof name) != 0) {
    fail("cannot name the pseudo-terminal for " + link_path_.string());
  }
  slave_name_ = name;
  slave_keepalive_ = ::open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
  if (slave_keepalive_ < 0) {
    fail("cannot open " + slave_name_);
  }
  // Raw on both ends: no echo, no line discipline, every byte passes as it is.
  for (int fd : {master, slave_keepalive_}) {
    termios tio{};
    if (::tcgetattr(fd, &tio) != 0) {
      fail("cannot read the terminal settings of " + slave_name_);
    }
    ::cfmakeraw(&tio);
    if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
      fail("cannot set raw mode on " + slave_name_);
    }
  }
  std::error_code ec;
  if (link_path_.has_parent_path()) {
    std::filesystem::create_directories(link_path_.parent_path(), ec);
  }
  if (std::filesystem::is_symlink(link_path_, ec)) {
    std::filesystem::remove(link_path_, ec);
  } else if (std::filesystem::exists(link_path_, ec)) {
    errno = EEXIST;
    fail(link_path_.string() + " exists and is not a symlink; refusing to replace it");
  }
  std::filesystem::create_symlink(slave_name_, link_path_);
  plugged_ = true;
}

void PtyPort::remove_link() {
  std::error_code ec;
  if (std::filesystem::is_symlink(link_path_, ec) &&
      std::filesystem::read_symlink(link_path_, ec) == slave_name_) {
    std::filesystem::remove(link_path_, ec);
  }
}

PtyPort::~PtyPort() {
  remove_link();
  close_pty();
}

void PtyPort::close_pty() {
  boost::system::error_code ignored;
  ready_.close(ignored);  // a pending wait ends with operation_aborted
  if (master_ >= 0) {
    ::close(master_);
    master_ = -1;
  }
  if (slave_keepalive_ >= 0) {
    ::close(slave_keepalive_);
    slave_keepalive_ = -1;
  }
}

bool PtyPort::unplug() {
  if (!plugged_) {
    return false;
  }
  plugged_ = false;
  ++generation_;
  remove_link();
  // Closing the master hangs up every open slave: the controller's reads end.
  close_pty();
  timer_.cancel();
  for (const Chunk& chunk : pending_) {
    stats_.bytes_lost += chunk.bytes.size();
  }
  pending_.clear();
  return true;
}

bool PtyPort::plug() {
  if (plugged_) {
    return false;
  }
  open_pty();
  line_free_at_ = Clock::time_point{};
  if (receiver_) {
    wait_readable();
  }
  return true;
}

void PtyPort::start(Receiver receiver) {
  receiver_ = std::move(receiver);
  wait_readable();
}

void PtyPort::wait_readable() {
  ready_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                    [this, generation = generation_](const boost::system::error_code& ec) {
                      if (!ec) {
                        read_ready(generation);
                      }
                    });
}

void PtyPort::read_ready(std::uint64_t generation) {
  // A handler of a pseudo-terminal since unplugged must not read the new one.
  const auto current = [&] { return plugged_ && generation == generation_; };
  if (!current()) {
    return;
  }
  if (hal::take_edge_events(ready_.native_handle()) > 0) {
    // The slave end is held open, so the master never reads end of file; an error ends
    // this read, and the next bytes make a new edge.
    (void)hal::read_until_short(master_, read_buffer_, [&](std::span<const std::uint8_t> bytes) {
      stats_.bytes_read += bytes.size();
      if (receiver_) {
        receiver_(bytes);
      }
      return current();
    });
  }
  if (current()) {
    wait_readable();
  }
}

void PtyPort::write_paced(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) {
    return;
  }
  if (!plugged_) {
    stats_.bytes_lost += bytes.size();
    return;
  }
  const auto now = Clock::now();
  const auto on_line = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes.size()) / bytes_per_second_));
  line_free_at_ = std::max(now, line_free_at_) + on_line;
  pending_.push_back(Chunk{line_free_at_, {bytes.begin(), bytes.end()}});
  if (pending_.size() == 1) {
    arm_timer();
  }
}

void PtyPort::arm_timer() {
  timer_.expires_at(pending_.front().due);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) {
      return;
    }
    write_due();
  });
}

void PtyPort::write_due() {
  const auto now = Clock::now();
  while (!pending_.empty() && pending_.front().due <= now) {
    const auto& bytes = pending_.front().bytes;
    const ssize_t n = ::write(master_, bytes.data(), bytes.size());
    const std::size_t written = n > 0 ? static_cast<std::size_t>(n) : 0;
    stats_.bytes_written += written;
    if (written < bytes.size()) {
      // Nobody is reading the line. Drop the backlog too, so a controller that opens it
      // later reads at most one buffer of old bytes, never minutes of them.
      stats_.bytes_lost += bytes.size() - written;
      ::tcflush(slave_keepalive_, TCIFLUSH);
    }
    pending_.pop_front();
  }
  if (!pending_.empty()) {
    arm_timer();
  }
}

}  // namespace rfneedle::sim
