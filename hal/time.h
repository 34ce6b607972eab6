// Time as the sans-I/O code sees it: injected, never read from a global clock.
// The daemon and the simulator process map std::chrono::steady_clock onto DeviceClock;
// tests and the deterministic simulation drive it from tests/support's VirtualClock.
#pragma once

#include <chrono>
#include <cstdint>

namespace rfneedle {

// A clock with no now(): whoever owns the I/O decides what time it is.
struct DeviceClock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<DeviceClock>;
  static constexpr bool is_steady = true;
};

using Duration = DeviceClock::duration;
using Instant = DeviceClock::time_point;

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

}  // namespace rfneedle
