// The handpiece trigger: two mechanically coupled contacts, read separately so that a
// single failed contact is detected (SR-46). A press closes contact A first and contact B
// a small skew later; a release opens them in the same order.
#pragma once

#include "hal/time.h"

namespace rfneedle::sim {

// Engineering assumption: two contacts on one actuator close 3 ms apart, well inside the
// 20 ms the controller accepts as one press (SR-46).
inline constexpr Duration kTriggerContactSkew = std::chrono::milliseconds(3);

class TriggerModel {
 public:
  explicit TriggerModel(Duration contact_skew = kTriggerContactSkew) : skew_(contact_skew) {}

  // The operator's finger.
  void press(Instant at);
  void release(Instant at);

  // Fault hook (trigger-stuck): a stuck contact reads closed whatever the finger does.
  void set_stuck(bool contact_a, bool contact_b) {
    stuck_a_ = contact_a;
    stuck_b_ = contact_b;
  }

  [[nodiscard]] bool contact_a(Instant now) const;
  [[nodiscard]] bool contact_b(Instant now) const;
  [[nodiscard]] bool pressed() const { return pressed_; }

 private:
  [[nodiscard]] bool closed(Instant now, Duration lag) const;

  Duration skew_;
  bool pressed_ = false;
  Instant changed_at_{};
  bool stuck_a_ = false;
  bool stuck_b_ = false;
};

}  // namespace rfneedle::sim
