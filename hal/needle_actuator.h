// The needle actuator board with its handpiece as the controller's shell sees it
// (DESIGN 1, 3). ActuatorDriver implements it over a LinkSession and device.proto.
#pragma once

#include <cstdint>

#include "hal/driver_result.h"
#include "hal/link_session.h"
#include "hal/linked_board.h"
#include "hal/units.h"
#include "proto/device.pb.h"

namespace rfneedle::hal {

// What the actuator reports, from the driver's on_bytes() and tick(). The messages are
// valid only during the call: copy what is kept.
class ActuatorObserver {
 public:
  virtual void on_actuator_telemetry(const device::ActuatorTelemetry& telemetry,
                                     std::uint32_t samples_missed) = 0;
  virtual void on_actuator_result(const device::CommandResult& result) = 0;
  virtual void on_actuator_event(const device::BoardEvent& event) = 0;
  virtual void on_actuator_handshake(const device::HandshakeReply& reply,
                                     HandshakeMismatch mismatch) = 0;
  virtual void on_actuator_link_fault(LinkFault fault) = 0;

 protected:
  ~ActuatorObserver() = default;
};

class NeedleActuator : public LinkedBoard {
 public:
  // Treatment commands: refused after a handshake mismatch.
  [[nodiscard]] virtual CommandSubmission configure(const device::ConfigureActuator& limits) = 0;
  [[nodiscard]] virtual CommandSubmission insert(Micrometres depth) = 0;
  // The controller's date (days since 1970-01-01) goes with both: the actuator checks
  // expiry against it and refuses a date earlier than the cartridge's bind date.
  [[nodiscard]] virtual CommandSubmission bind_cartridge(std::uint64_t session_id,
                                                         std::uint32_t today_unix_days) = 0;
  [[nodiscard]] virtual CommandSubmission consume_cartridge(std::uint64_t pulse_id,
                                                            std::uint32_t today_unix_days) = 0;
  // Stops the motor where it is (NeedleStuck: RF off, motor off); always allowed.
  [[nodiscard]] virtual CommandSubmission halt() = 0;

  // Moving needles out of the skin and reading: allowed after a mismatch too.
  [[nodiscard]] virtual CommandSubmission home() = 0;
  [[nodiscard]] virtual CommandSubmission retract() = 0;
  [[nodiscard]] virtual CommandSubmission read_cartridge() = 0;
  [[nodiscard]] virtual CommandSubmission measure_fixture(std::uint32_t load_index) = 0;
};

}  // namespace rfneedle::hal
