// A virtual clock for sans-I/O code: time moves only when a test moves it, and timers
// fire in deadline order (ties in the order they were set), each at its own deadline.
// Used by the link, simulator, core and deterministic-simulation tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "hal/time.h"

namespace rfneedle::testing {

class VirtualClock {
 public:
  using TimerId = std::uint64_t;
  using Callback = std::function<void()>;

  explicit VirtualClock(Instant start = Instant{}) : now_(start) {}
  VirtualClock(const VirtualClock&) = delete;
  VirtualClock& operator=(const VirtualClock&) = delete;

  [[nodiscard]] Instant now() const { return now_; }

  // A deadline in the past fires at the current time on the next advance.
  TimerId call_at(Instant deadline, Callback callback);
  TimerId call_after(Duration delay, Callback callback);
  // Fires first at now + period, then every period, until cancelled.
  TimerId call_every(Duration period, Callback callback);
  // False when the timer already fired (one-shot) or was cancelled.
  bool cancel(TimerId id);

  // Moves time forward by `step`, firing every timer that falls due on the way. Timers set
  // by callbacks fire too if they fall due within the step.
  void advance(Duration step);
  void advance_to(Instant target);
  // Jumps to the earliest deadline and fires every timer due then. False if none is set.
  bool advance_to_next_timer();

  [[nodiscard]] std::optional<Instant> next_deadline() const;
  [[nodiscard]] std::size_t pending() const { return timers_.size(); }

 private:
  using Key = std::pair<Instant, std::uint64_t>;  // deadline, order of setting
  struct Timer {
    TimerId id;
    Duration period;  // zero for one-shot
    Callback callback;
  };

  TimerId insert(Instant deadline, Duration period, Callback callback);
  bool fire_next_due(Instant limit);

  Instant now_;
  std::uint64_t next_order_ = 0;
  TimerId next_id_ = 1;
  std::map<Key, Timer> timers_;
  std::unordered_map<TimerId, Key> keys_;
};

}  // namespace rfneedle::testing
