// The RF generator board as the controller's shell sees it (DESIGN 1, 3). The core emits
// commands as values; only its shell calls these. GeneratorDriver implements it over a
// LinkSession and device.proto; tests may mock it.
#pragma once

#include <cstdint>

#include "hal/driver_result.h"
#include "hal/link_session.h"
#include "hal/linked_board.h"
#include "hal/time.h"
#include "hal/units.h"
#include "proto/device.pb.h"

namespace rfneedle::hal {

// One RF pulse, timed by the generator (device.proto DeliverPulse).
struct PulseCommand {
  std::uint64_t pulse_id = 0;  // the controller's, stored before sending (DESIGN 3)
  Milliwatts power;
  Duration duration{};
  Microjoules energy_cap;
  std::uint32_t epoch = 0;
  // In the board's clock: at most 20 ms after its latest telemetry time (SR-36).
  std::uint64_t expires_at_board_us = 0;
};

// What the generator reports, from the driver's on_bytes() and tick(). The messages are
// valid only during the call: copy what is kept.
class GeneratorObserver {
 public:
  // samples_missed: telemetry samples lost since the previous one (by sample counter).
  virtual void on_generator_telemetry(const device::GeneratorTelemetry& telemetry,
                                      std::uint32_t samples_missed) = 0;
  virtual void on_generator_result(const device::CommandResult& result) = 0;
  virtual void on_generator_event(const device::BoardEvent& event) = 0;
  virtual void on_pulse_ended(const device::PulseLogEntry& entry) = 0;
  // The handshake settled: established, or a mismatch with its reason (SR-41).
  virtual void on_generator_handshake(const device::HandshakeReply& reply,
                                      HandshakeMismatch mismatch) = 0;
  virtual void on_generator_link_fault(LinkFault fault) = 0;

 protected:
  ~GeneratorObserver() = default;
};

class RfGenerator : public LinkedBoard {
 public:
  // Treatment commands: refused after a handshake mismatch.
  [[nodiscard]] virtual CommandSubmission configure(const device::ConfigureGenerator& limits) = 0;
  [[nodiscard]] virtual CommandSubmission deliver_pulse(const PulseCommand& pulse) = 0;
  // Low-level measurement, no therapeutic energy.
  [[nodiscard]] virtual CommandSubmission measure_impedance(Duration duration) = 0;
  // Closing the relay is a treatment command; opening it is always allowed.
  [[nodiscard]] virtual CommandSubmission set_relay(bool closed) = 0;
  [[nodiscard]] virtual CommandSubmission query_pulse_log(std::uint64_t from_pulse_id,
                                                          std::uint32_t max_entries) = 0;
};

}  // namespace rfneedle::hal
