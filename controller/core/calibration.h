// Calibration of the RF output (DESIGN 4), in Service only: RF only into a calibration
// fixture (a cartridge carrying reference loads instead of needles), at most 2 J per
// pulse. One run measures one reference load: select the load, bring the fixture's
// contacts to depth, deliver the pulse (the generator times it), retract, read the
// fixture's reference meter, then compare the generator's delivered energy with it.
#pragma once

#include <optional>
#include <string_view>

#include "controller/core/board_commands.h"
#include "controller/core/core_config.h"
#include "controller/core/response.h"
#include "controller/core/status.h"

namespace rfneedle::core {

// The fixture is never part of the request: the core takes it from the cartridge memory
// (SR-24, SR-66).
struct CalibrationRequest {
  std::uint32_t load_index = 0;
  Milliwatts power = watts(10);
  Duration duration = milliseconds(100);
  std::int32_t today = 0;  // days since 1970-01-01, from the daemon's calendar
};

// `fixture`: the cartridge as its memory last reported it; none when nothing was read.
// Refused (field "fixture") without a calibration fixture, or with one whose reference
// meter has no due date or is past it.
[[nodiscard]] Response validate_calibration(const CalibrationRequest& request,
                                            const std::optional<CartridgeInfo>& fixture,
                                            const CoreConfig& config);

class CalibrationRun {
 public:
  struct Step {
    std::optional<BoardCommand> command;
    std::optional<CalibrationResult> result;  // the run is over
  };

  void start(const CalibrationRequest& request, const CartridgeInfo& fixture, Instant now);
  void abort() { phase_ = Phase::kIdle; }
  [[nodiscard]] bool running() const { return phase_ != Phase::kIdle; }
  [[nodiscard]] std::uint32_t load_index() const { return request_.load_index; }
  // The heartbeat may permit RF from just before the pulse command until RF has dropped.
  [[nodiscard]] bool permits_rf() const {
    return phase_ == Phase::kEnergize || phase_ == Phase::kDelivering;
  }
  [[nodiscard]] bool rf_commanded() const { return phase_ == Phase::kDelivering; }
  void on_command_result(const CommandResult& result) { last_result_ = result; }
  // The fixture's reference meter: energy it measured in the last pulse. Taken only as
  // the answer to the run's own reading after the pulse (the load selection before the
  // pulse answers with a reading too, of no pulse of this run).
  void on_reference_reading(Microjoules energy) {
    if (phase_ == Phase::kAwaitReading && sent_) reference_ = energy;
  }

  [[nodiscard]] Step step(const GeneratorSample& g, const ActuatorSample& a, std::uint32_t epoch,
                          Instant now, const CoreConfig& config);

 private:
  enum class Phase : std::uint8_t {
    kIdle,
    kSelectLoad,
    kInsert,
    kEnergize,
    kDelivering,
    kRetract,
    kAwaitReading,
  };
  Step fail(std::string_view reason);

  Phase phase_ = Phase::kIdle;
  CalibrationRequest request_;
  CartridgeInfo fixture_;
  Instant deadline_{};
  bool sent_ = false;
  bool rf_seen_ = false;
  Microjoules delivered_{};
  std::optional<CommandResult> last_result_;
  std::optional<Microjoules> reference_;
};

}  // namespace rfneedle::core
