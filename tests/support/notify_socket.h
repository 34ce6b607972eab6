// A datagram socket standing in for systemd's notification socket (NOTIFY_SOCKET, see
// sd_notify(3)): a test binds it in a fresh directory, points NOTIFY_SOCKET at it before
// rfneedled (or its SystemdNotifier) starts, and reads what was sent.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace rfneedle::testing {

class NotifySocket {
 public:
  // Throws std::runtime_error naming the path if the socket cannot be bound.
  NotifySocket() {
    static std::atomic<int> instance{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("rfneedle-notify-" + std::to_string(::getpid()) + "-" + std::to_string(instance++));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "notify";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot bind " + path_.string() + ": " + std::strerror(errno));
    }
  }
  ~NotifySocket() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // Every message that arrived since the last call, oldest first.
  [[nodiscard]] std::vector<std::string> drain() const {
    std::vector<std::string> messages;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n < 0) {
        return messages;
      }
      messages.emplace_back(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
  int fd_ = -1;
};

// How many of `messages` start with `prefix` ("WATCHDOG=1").
[[nodiscard]] inline std::size_t count_starting(const std::vector<std::string>& messages,
                                                const std::string& prefix) {
  std::size_t n = 0;
  for (const std::string& m : messages) {
    if (m.starts_with(prefix)) {
      ++n;
    }
  }
  return n;
}

}  // namespace rfneedle::testing
