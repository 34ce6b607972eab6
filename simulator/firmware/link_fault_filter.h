// The simulator's link faults (link-drop, -corrupt, -delay, -stall, -disconnect) applied
// to the bytes of one direction of one board's line, frame by frame (a frame ends at its
// 0x00 delimiter). Seeded, so a run is reproducible. With no fault active and nothing held
// the bytes pass straight through without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "hal/time.h"

namespace rfneedle::sim {

// The link faults active on this line at one instant.
struct LinkFaultState {
  double drop_rate = 0;     // link-drop: each frame lost with this probability
  double corrupt_rate = 0;  // link-corrupt: each frame gets one bit flipped
  std::optional<Duration> delay;
  bool stall = false;       // nothing arrives; held frames arrive, in order, at its end
  bool disconnect = false;  // frames entering the line are lost

  [[nodiscard]] bool any() const {
    return drop_rate > 0 || corrupt_rate > 0 || delay.has_value() || stall || disconnect;
  }
};

class LinkFaultFilter {
 public:
  explicit LinkFaultFilter(std::uint64_t seed) : random_(seed) {}

  // Bytes entering the line at `now`; whatever may pass at once is handed to `sink`.
  template <typename Sink>
  void push(std::span<const std::uint8_t> bytes, Instant now, const LinkFaultState& faults,
            Sink&& sink) {
    if (!faults.any() && held_.empty() && partial_.empty()) {
      (void)sink(bytes);
      return;
    }
    for (std::uint8_t byte : bytes) {
      partial_.push_back(byte);
      if (byte == 0x00 || partial_.size() >= kMaxPartialBytes) {
        end_frame(now, faults);
      }
    }
    release(now, faults, sink);
  }

  // Hands every held frame that is due (and not stalled) to `sink`, in order, until the
  // sink returns false (no room: the frame stays first in line).
  template <typename Sink>
  void release(Instant now, const LinkFaultState& faults, Sink&& sink) {
    while (!faults.stall && !held_.empty() && held_.front().release_at <= now) {
      if (!sink(std::span<const std::uint8_t>(held_.front().bytes))) {
        return;
      }
      held_.pop_front();
    }
  }

  [[nodiscard]] bool holding() const { return !held_.empty(); }

 private:
  static constexpr std::size_t kMaxPartialBytes = 1024;  // garbage without delimiters

  struct HeldFrame {
    Instant release_at;
    std::vector<std::uint8_t> bytes;
  };

  void end_frame(Instant now, const LinkFaultState& faults);
  [[nodiscard]] bool chance(double probability);

  std::mt19937_64 random_;
  std::vector<std::uint8_t> partial_;
  std::deque<HeldFrame> held_;
};

}  // namespace rfneedle::sim
