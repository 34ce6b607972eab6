// NeedleActuator over a BoardLink and device.proto (BoardDriver does what both boards do
// alike): needle motion, the cartridge memory and the calibration fixture.
#pragma once

#include <cstdint>

#include "hal/board_driver.h"
#include "hal/needle_actuator.h"

namespace rfneedle::hal {

// The actuator's types and its observer's functions, for BoardDriver. The observers name
// their functions per board on purpose (one object may observe both boards), so each
// board has this table of its own.
struct ActuatorBoard {
  using Command = device::ActuatorCommand;
  using Message = device::ActuatorMessage;
  using Observer = ActuatorObserver;
  static constexpr device::BoardKind kKind = device::BOARD_KIND_ACTUATOR;
  static constexpr auto kOnTelemetry = &ActuatorObserver::on_actuator_telemetry;
  static constexpr auto kOnResult = &ActuatorObserver::on_actuator_result;
  static constexpr auto kOnEvent = &ActuatorObserver::on_actuator_event;
  static constexpr auto kOnHandshake = &ActuatorObserver::on_actuator_handshake;
  static constexpr auto kOnLinkFault = &ActuatorObserver::on_actuator_link_fault;
};

class ActuatorDriver final : public BoardDriver<ActuatorBoard, NeedleActuator> {
 public:
  using BoardDriver::BoardDriver;

  [[nodiscard]] CommandSubmission configure(const device::ConfigureActuator& limits) override;
  [[nodiscard]] CommandSubmission insert(Micrometres depth) override;
  [[nodiscard]] CommandSubmission bind_cartridge(std::uint64_t session_id,
                                                 std::uint32_t today_unix_days) override;
  [[nodiscard]] CommandSubmission consume_cartridge(std::uint64_t pulse_id,
                                                    std::uint32_t today_unix_days) override;
  [[nodiscard]] CommandSubmission halt() override;
  [[nodiscard]] CommandSubmission home() override;
  [[nodiscard]] CommandSubmission retract() override;
  [[nodiscard]] CommandSubmission read_cartridge() override;
  [[nodiscard]] CommandSubmission measure_fixture(std::uint32_t load_index) override;

 private:
  [[nodiscard]] CommandSubmission move(device::NeedleMotion motion, std::uint32_t depth_um,
                                       bool treatment);
};

}  // namespace rfneedle::hal
