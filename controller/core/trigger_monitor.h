// The handpiece trigger's two contacts (DESIGN 4): a new press is both contacts closing
// within the skew window after both were open; contacts that disagree for longer are a
// fault; anything but "both closed" counts as released (it ends a pulse).
#pragma once

#include <optional>

#include "controller/core/persistence.h"
#include "hal/time.h"

namespace rfneedle::core {

class TriggerMonitor {
 public:
  struct Reading {
    bool new_press = false;
    bool held = false;
    bool disagree_fault = false;
  };

  [[nodiscard]] Reading update(bool contact_a, bool contact_b, Instant now, Duration skew);

 private:
  bool armed_for_press_ = false;  // both contacts seen open since the last press
  std::optional<Instant> first_closed_;
  Persistence disagreement_;
};

}  // namespace rfneedle::core
