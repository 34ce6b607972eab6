// The safety thread's 1 kHz tick (DESIGN 4): deadlines on an absolute grid, so a tick's
// own work never stretches the period; after a late wake-up the core is ticked once with
// the real `now` and the grid restarts from there. Never a burst of catch-up ticks: those
// would show the core evenly spaced times that did not happen, and hide the gap its
// checks must see (DESIGN 2.4).
//
// A tick may also run a little early, on a wake-up the thread has anyway (a board's
// frame): `due_within`; and after a tick the timer ran, `align_to` moves the next deadline
// up to just after the next frame expected, so that frame's wake-up runs it. With both
// boards streaming at 1 kHz the thread then wakes once per frame instead of once more per
// tick (rfneedled's CPU budget, docs/operations.md). Either way a tick only ever comes
// earlier than the grid's deadline, never later.
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
  // The next deadline is at most `slack` ahead of `now`: this wake-up may run the tick.
  [[nodiscard]] bool due_within(time_point now, duration slack) const {
    return now + slack >= next_;
  }
  // After advance(): the next deadline moved up to `slack / 2` after `expected` (when a
  // frame is due), if that is earlier than the grid's own deadline and still after `now`.
  void align_to(time_point expected, duration slack, time_point now) {
    const time_point aligned = expected + slack / 2;
    if (aligned < next_ && aligned > now) {
      next_ = aligned;
    }
  }

 private:
  duration period_;
  time_point next_;
};

}  // namespace rfneedle::daemon
