// When the safety thread publishes a numbered status snapshot (issue 9): on every change
// of state, of the conditions in effect or of what the display shows, at once; otherwise
// at most every `period` (20 Hz), so a display that renders them never misses a change
// and polling never floods the core's 64 remembered snapshot IDs (SR-78).
#pragma once

#include <bitset>
#include <cstdint>

#include "controller/core/status.h"
#include "hal/time.h"

namespace rfneedle::daemon {

class SnapshotPacing {
 public:
  explicit SnapshotPacing(Duration period) : period_(period) {}

  // Whether to publish now, given the core's current (unnumbered) status.
  [[nodiscard]] bool due(const core::Status& s, Instant now) const {
    return !published_ || changed(s) || now - last_at_ >= period_;
  }
  void published(const core::Status& s, Instant now) {
    published_ = true;
    last_at_ = now;
    state_ = s.state;
    in_effect_ = s.in_effect;
    session_open_ = s.session_open;
    screen_locked_ = s.screen_locked;
    last_pulse_id_ = s.last_pulse_id;
    last_outcome_ = s.last_pulse ? static_cast<int>(s.last_pulse->outcome) : -1;
    self_test_passed_ = s.self_test.passed;
    self_test_finished_ = s.self_test.finished;
  }

 private:
  [[nodiscard]] bool changed(const core::Status& s) const {
    return s.state != state_ || s.in_effect != in_effect_ || s.session_open != session_open_ ||
           s.screen_locked != screen_locked_ || s.last_pulse_id != last_pulse_id_ ||
           (s.last_pulse ? static_cast<int>(s.last_pulse->outcome) : -1) != last_outcome_ ||
           s.self_test.passed != self_test_passed_ || s.self_test.finished != self_test_finished_;
  }

  Duration period_;
  bool published_ = false;
  Instant last_at_{};
  core::State state_ = core::State::kConnecting;
  std::bitset<core::kConditionCount> in_effect_;
  bool session_open_ = false;
  bool screen_locked_ = false;
  std::uint64_t last_pulse_id_ = 0;
  int last_outcome_ = -1;
  int self_test_passed_ = 0;
  bool self_test_finished_ = false;
};

}  // namespace rfneedle::daemon
