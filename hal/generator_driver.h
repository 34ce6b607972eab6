// RfGenerator over a BoardLink and device.proto (BoardDriver does what both boards do
// alike): the generator's own commands, its pulse log entries, and a stop that aborts.
#pragma once

#include <cstdint>

#include "hal/board_driver.h"
#include "hal/rf_generator.h"

namespace rfneedle::hal {

// The generator's types and its observer's functions, for BoardDriver. The observers name
// their functions per board on purpose (one object may observe both boards), so each
// board has this table of its own.
struct GeneratorBoard {
  using Command = device::GeneratorCommand;
  using Message = device::GeneratorMessage;
  using Observer = GeneratorObserver;
  static constexpr device::BoardKind kKind = device::BOARD_KIND_GENERATOR;
  static constexpr auto kOnTelemetry = &GeneratorObserver::on_generator_telemetry;
  static constexpr auto kOnResult = &GeneratorObserver::on_generator_result;
  static constexpr auto kOnEvent = &GeneratorObserver::on_generator_event;
  static constexpr auto kOnHandshake = &GeneratorObserver::on_generator_handshake;
  static constexpr auto kOnLinkFault = &GeneratorObserver::on_generator_link_fault;
  static constexpr auto kOnPulseEnded = &GeneratorObserver::on_pulse_ended;
};

class GeneratorDriver final : public BoardDriver<GeneratorBoard, RfGenerator> {
 public:
  using BoardDriver::BoardDriver;

  // The generator is the board that has RF to stop: the abort follows the heartbeat.
  CommandSubmission stop_rf(std::uint32_t new_epoch) override;

  [[nodiscard]] CommandSubmission configure(const device::ConfigureGenerator& limits) override;
  [[nodiscard]] CommandSubmission deliver_pulse(const PulseCommand& pulse) override;
  [[nodiscard]] CommandSubmission measure_impedance(Duration duration) override;
  [[nodiscard]] CommandSubmission set_relay(bool closed) override;
  [[nodiscard]] CommandSubmission query_pulse_log(std::uint64_t from_pulse_id,
                                                  std::uint32_t max_entries) override;
};

}  // namespace rfneedle::hal
