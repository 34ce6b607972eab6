// The systemd watchdog's evidence (SR-71): WATCHDOG=1 proves the safety thread is alive,
// so it is sent only while the safety thread's tick counter (SafetyLoopCounters::ticks,
// bumped by the safety thread on every 1 kHz tick, read here without locking) has advanced
// since the previous check. A safety thread that stalls, or a loop that stopped ticking,
// starves systemd's watchdog, which then kills and restarts rfneedled; the boards'
// dead-man has already turned RF off by then (SR-39). Sans-I/O: the caller reads the
// counter and sends the notification.
#pragma once

#include <cstdint>
#include <optional>

namespace rfneedle::daemon {

class WatchdogFeed {
 public:
  // `ticks`: the safety thread's counter now. True: send WATCHDOG=1. The first call only
  // records the counter (nothing to compare it with yet), so it returns false.
  [[nodiscard]] bool should_feed(std::uint64_t ticks) {
    const std::optional<std::uint64_t> previous = last_ticks_;
    last_ticks_ = ticks;
    return previous && ticks > *previous;
  }

 private:
  std::optional<std::uint64_t> last_ticks_;
};

}  // namespace rfneedle::daemon
