// The safety thread's 1 kHz tick (DESIGN 4): deadlines on an absolute grid, so a tick's
// own work never stretches the period; after a late wake-up the core is ticked once with
// the real `now` and the grid restarts from there. Never a burst of catch-up ticks: those
// would show the core evenly spaced times that did not happen, and hide the gap its
// checks must see (DESIGN 2.4).
#pragma once

#include <chrono>

namespace rfneedle::daemon {

template <typename Clock>
class TickSchedule {
 public:
  using time_point = typename Clock::time_point;
  using duration = typename Clock::duration;

  TickSchedule(time_point start, duration period) : period_(period), next_(start + period) {}

  // When the timer should wake next.
  [[nodiscard]] time_point deadline() const { return next_; }
  // Called once per wake-up at `now`, after the tick ran; true when the wake-up came a
  // whole period or more past its deadline (late: the missed ticks are not made up).
  bool advance(time_point now) {
    const bool late = now >= next_ + period_;
    next_ += period_;
    if (next_ <= now) {
      next_ = now + period_;
    }
    return late;
  }

 private:
  duration period_;
  time_point next_;
};

}  // namespace rfneedle::daemon
