// Calibration of the RF output (DESIGN 4), in Service only: RF only into a calibration
// fixture (a cartridge carrying reference loads instead of needles), at most 2 J per
// pulse. One run measures one reference load: select the load, bring the fixture's
// contacts to depth, deliver the pulse (the generator times it), retract, then compare the
// generator's delivered energy with the fixture's reference meter.
#pragma once

#include <optional>
#include <string_view>

#include "controller/core/board_commands.h"
#include "controller/core/core_config.h"
#include "controller/core/response.h"

namespace rfneedle::core {

struct CalibrationRequest {
  CartridgeInfo fixture;  // from the cartridge memory: must be a calibration fixture
  std::uint32_t load_index = 0;
  Milliwatts power = watts(10);
  Duration duration = milliseconds(100);
};

struct CalibrationResult {
  bool passed = false;
  std::string_view reason;
  Microjoules generator_energy{};
  Microjoules reference_energy{};
  std::int32_t correction_ppm = 1'000'000;  // reference / generator
};

[[nodiscard]] Response validate_calibration(const CalibrationRequest& request,
                                            const CoreConfig& config);

class CalibrationRun {
 public:
  struct Step {
    std::optional<BoardCommand> command;
    std::optional<CalibrationResult> result;  // the run is over
  };

  void start(const CalibrationRequest& request, Instant now);
  void abort() { phase_ = Phase::kIdle; }
  [[nodiscard]] bool running() const { return phase_ != Phase::kIdle; }
  // The heartbeat may permit RF from just before the pulse command until RF has dropped.
  [[nodiscard]] bool permits_rf() const {
    return phase_ == Phase::kEnergize || phase_ == Phase::kDelivering;
  }
  [[nodiscard]] bool rf_commanded() const { return phase_ == Phase::kDelivering; }
  void on_command_result(const CommandResult& result) { last_result_ = result; }
  // The fixture's reference meter: energy it measured in the last pulse.
  void on_reference_reading(Microjoules energy) { reference_ = energy; }

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
  Instant deadline_{};
  bool sent_ = false;
  bool rf_seen_ = false;
  Microjoules delivered_{};
  std::optional<CommandResult> last_result_;
  std::optional<Microjoules> reference_;
};

}  // namespace rfneedle::core
