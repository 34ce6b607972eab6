#include "hal/tty_edge.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

namespace rfneedle::hal {

int open_edge_set(int fd) {
  const int set = ::epoll_create1(EPOLL_CLOEXEC);
  if (set < 0) {
    return -1;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  if (::epoll_ctl(set, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(set);
    return -1;
  }
  return set;
}

bool want_writable(int set, int fd, bool wanted) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET | (wanted ? EPOLLOUT : 0U);
  return ::epoll_ctl(set, EPOLL_CTL_MOD, fd, &ev) == 0;
}

std::int64_t take_edge_events(int set) {
  epoll_event ev{};
  for (;;) {
    const int n = ::epoll_wait(set, &ev, 1, 0);
    if (n >= 0) {
      return n == 1 ? static_cast<std::int64_t>(ev.events) : 0;
    }
    if (errno != EINTR) {
      return -1;
    }
  }
}

ReadEnd read_until_short(int fd, std::span<std::uint8_t> buffer,
                         const std::function<bool(std::span<const std::uint8_t>)>& on_bytes) {
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      const auto got = static_cast<std::size_t>(n);
      if (!on_bytes(buffer.first(got)) || got < buffer.size()) {
        return ReadEnd::kDrained;
      }
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return ReadEnd::kDrained;
    } else {
      return ReadEnd::kClosed;
    }
  }
}

}  // namespace rfneedle::hal
