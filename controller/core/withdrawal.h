// The safe state's second half, in order (DESIGN 2.3): after RF off is commanded, wait for
// the generator's RF-active to drop (and the actuator's copy of the line), then retract
// and verify; retry the retraction, and give up as NeedleStuck after the retries.
#pragma once

#include <optional>

#include "controller/core/core_config.h"
#include "controller/core/telemetry.h"

namespace rfneedle::core {

class Withdrawal {
 public:
  enum class Phase : std::uint8_t { kIdle, kAwaitRfDrop, kRetracting, kStuck };
  enum class Step : std::uint8_t {
    kNone,
    kRfDropped,      // RF is off at both ends of the line: retract now
    kRfStillActive,  // RF-active still high after the deadline: a fault, open the relay
    kRetracted,
    kRetryRetract,  // the retraction deadline passed: a fault, retract again
    kStuck,         // retries exhausted: NeedleStuck
  };

  void begin(Instant rf_off_at);
  void on_generator(const GeneratorSample& sample, Milliwatts rf_on_threshold);
  void on_actuator(const ActuatorSample& sample, Micrometres tolerance);
  // Advances the sequence; call after each input and on the tick.
  [[nodiscard]] Step step(Instant now, bool generator_silent, const PowerLimits& power,
                          const NeedleLimits& needle);

  [[nodiscard]] Phase phase() const { return phase_; }
  [[nodiscard]] bool active() const {
    return phase_ == Phase::kAwaitRfDrop || phase_ == Phase::kRetracting;
  }
  [[nodiscard]] bool retracted() const { return retracted_; }
  [[nodiscard]] bool awaiting_rf_drop() const { return phase_ == Phase::kAwaitRfDrop; }
  void reset() { *this = Withdrawal{}; }

 private:
  Phase phase_ = Phase::kIdle;
  Instant rf_off_at_{};
  bool rf_still_active_reported_ = false;
  std::optional<bool> generator_rf_;  // since rf_off_at_
  std::optional<bool> actuator_rf_line_;
  bool retracted_ = false;
  Instant retract_deadline_{};
  int attempts_ = 0;
};

}  // namespace rfneedle::core
