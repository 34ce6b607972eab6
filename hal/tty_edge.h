// Reading a terminal without waiting on the kernel's tty worker: shared by the daemon's
// serial lines (SerialTransport) and the simulator's pseudo-terminals (PtyPort).
//
// On a terminal, a read or a poll that finds no input first waits for the kernel's tty
// buffer work (n_tty_read and n_tty_poll call flush_work), which runs in an
// ordinary-priority kernel worker: behind a busy ordinary thread on its CPU, a
// real-time reader then sleeps a millisecond or more (docs/operations.md, "Figures").
// Boost.Asio's descriptor ops read once more after every read (their speculative read)
// and poll the descriptor on every re-arm, so both ends of a line would meet that wait
// once per frame. Instead the terminal sits in an edge-triggered epoll set of its own, the
// io_context waits on the set (whose poll looks at the terminal only when it holds an
// event for it), and the terminal is read only until a read comes back short.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace rfneedle::hal {

// A new epoll set holding `fd` (readable, edge-triggered); -1 when it cannot be made.
[[nodiscard]] int open_edge_set(int fd);

// Adds or removes the writable report for `fd` in `set`; false when the kernel refused.
[[nodiscard]] bool want_writable(int set, int fd, bool wanted);

// The events the set holds for its terminal, without waiting; -1 on an error.
[[nodiscard]] std::int64_t take_edge_events(int set);

enum class ReadEnd {
  kDrained,  // a short read, or `on_bytes` asked to stop: wait for the next edge
  kClosed,   // end of file, EIO (the other end hung up) or another read error
};

// Reads `fd` into `buffer` and hands each read to `on_bytes` until a read comes back
// short (or would block); `on_bytes` returns false to stop early.
ReadEnd read_until_short(int fd, std::span<std::uint8_t> buffer,
                         const std::function<bool(std::span<const std::uint8_t>)>& on_bytes);

}  // namespace rfneedle::hal
