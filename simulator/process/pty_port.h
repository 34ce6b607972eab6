// One board's serial line as the simulator serves it: a pseudo-terminal in raw mode whose
// slave is published as a symlink (the path the controller opens), with output paced at
// the configured line rate: a chunk is written only when its last byte would have arrived
// on a real line (DESIGN 5), so the controller sees honest timing.
//
// Like a UART with nobody listening, bytes the pseudo-terminal cannot take are lost and
// counted, never queued without bound.
//
// The cable can be pulled and plugged back (the control socket's `unplug` and `plug`): the
// pseudo-terminal is closed and its link removed, so the controller's reads end as on a
// USB serial adapter pulled out; plugging makes a new pseudo-terminal under the same link.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace rfneedle::sim {

class PtyPort {
 public:
  using Receiver = std::function<void(std::span<const std::uint8_t>)>;
  struct Stats {
    std::uint64_t bytes_written = 0;
    std::uint64_t bytes_lost = 0;  // the pseudo-terminal's buffer was full
    std::uint64_t bytes_read = 0;
  };

  // Throws std::system_error naming the path if the pseudo-terminal or the link cannot be
  // made. Missing parent folders are created; an existing symlink at `link_path` is
  // replaced; any other file there is an error.
  PtyPort(boost::asio::io_context& io, std::filesystem::path link_path, std::uint32_t baud);
  ~PtyPort();
  PtyPort(const PtyPort&) = delete;
  PtyPort& operator=(const PtyPort&) = delete;

  void start(Receiver receiver);
  // While unplugged the bytes are lost (and counted), as on a line with no cable.
  void write_paced(std::span<const std::uint8_t> bytes);

  // Closes the pseudo-terminal (the controller's end hangs up) and removes the link;
  // false if already unplugged.
  bool unplug();
  // A new pseudo-terminal, published under the same link; false if already plugged.
  // Throws std::system_error like the constructor.
  bool plug();
  [[nodiscard]] bool plugged() const { return plugged_; }

  [[nodiscard]] const std::filesystem::path& link_path() const { return link_path_; }
  [[nodiscard]] const std::string& slave_name() const { return slave_name_; }
  [[nodiscard]] const Stats& stats() const { return stats_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Chunk {
    Clock::time_point due;
    std::vector<std::uint8_t> bytes;
  };
  void open_pty();
  void remove_link();
  void close_pty();
  void wait_readable();
  void read_ready(std::uint64_t generation);
  void arm_timer();
  void write_due();

  std::filesystem::path link_path_;
  std::string slave_name_;
  double bytes_per_second_;
  int master_ = -1;
  boost::asio::posix::stream_descriptor ready_;  // an epoll set holding master_
  int slave_keepalive_ = -1;  // held open so the master never reads EIO between clients
  boost::asio::steady_timer timer_;
  std::deque<Chunk> pending_;
  Clock::time_point line_free_at_{};
  std::array<std::uint8_t, 512> read_buffer_{};
  Receiver receiver_;
  Stats stats_;
  bool plugged_ = false;
  std::uint64_t generation_ = 0;  // counts unplugs
};

}  // namespace rfneedle::sim
