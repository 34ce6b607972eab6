// A fixed-bucket histogram of durations that one thread fills without locks or allocation
// and any other thread reads (issue 14: the safety thread's figures for GET /metrics,
// which the service thread copies into the Prometheus registry at scrape time; a
// prometheus-cpp family locks a mutex, which the safety thread never does, SR-71).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace rfneedle::daemon {

inline constexpr std::size_t kLatencyBuckets = 10;
// Upper bounds in microseconds, increasing; what lies above the last is counted apart.
using LatencyBounds = std::array<std::uint32_t, kLatencyBuckets>;

// The safety thread's wake-up past its tick's deadline (1 ms period).
inline constexpr LatencyBounds kTickLatenessBoundsUs = {10,   50,   100,  250,   500,
                                                        1000, 2000, 5000, 10000, 20000};
// From the input on which the core decided RF off to the abort handed to the generator's
// line (the 3 ms detection-to-RF-off deadline, DESIGN 4, is the last interesting bound).
inline constexpr LatencyBounds kRfOffBoundsUs = {5,   10,   25,   50,   100,
                                                 250, 500, 1000, 2000, 3000};
// A store commit (SQLite in WAL mode with synchronous FULL, on the service thread).
inline constexpr LatencyBounds kCommitBoundsUs = {100,   250,    500,    1000,   2500,
                                                  5000, 10000, 25000, 100000, 1000000};

class LatencyHistogram {
 public:
  explicit LatencyHistogram(const LatencyBounds& upper_us) : upper_us_(upper_us) {}

  // From the one writer thread: never blocks, never allocates. A negative duration counts
  // as zero.
  void observe(std::chrono::nanoseconds d) noexcept {
    const auto us = static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
    const auto at = std::lower_bound(upper_us_.begin(), upper_us_.end(), us);
    counts_[static_cast<std::size_t>(at - upper_us_.begin())].fetch_add(1,
                                                                        std::memory_order_relaxed);
    sum_us_.fetch_add(us, std::memory_order_relaxed);
  }

  [[nodiscard]] const LatencyBounds& upper_us() const { return upper_us_; }
  // Observations in bucket `i` alone (not cumulative); i == kLatencyBuckets: above the last
  // bound. From any thread.
  [[nodiscard]] std::uint64_t count(std::size_t i) const {
    return counts_[i].load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t sum_us() const { return sum_us_.load(std::memory_order_relaxed); }

 private:
  LatencyBounds upper_us_;
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets + 1> counts_{};
  std::atomic<std::uint64_t> sum_us_{0};
};

}  // namespace rfneedle::daemon
