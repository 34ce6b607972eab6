// Persistence filters for interlock causes: "for > 5 ms", "for 2 samples".
#pragma once

#include <optional>

#include "hal/time.h"

namespace rfneedle::core {

// True once `condition` has held continuously for longer than `hold`.
class Persistence {
 public:
  [[nodiscard]] bool update(bool condition, Instant now, Duration hold) {
    if (!condition) {
      since_.reset();
      return false;
    }
    if (!since_) {
      since_ = now;
    }
    return now - *since_ > hold;
  }
  void reset() { since_.reset(); }

 private:
  std::optional<Instant> since_;
};

// True once `condition` has held for `needed` consecutive samples.
class ConsecutiveSamples {
 public:
  [[nodiscard]] bool update(bool condition, int needed) {
    count_ = condition ? count_ + 1 : 0;
    return count_ >= needed;
  }
  void reset() { count_ = 0; }

 private:
  int count_ = 0;
};

}  // namespace rfneedle::core
