// The needle actuator board with its handpiece as the controller's shell sees it
// (DESIGN 1, 3). ActuatorDriver implements it over a LinkSession and device.proto.
#pragma once

#include <cstdint>

#include "hal/driver_result.h"
#include "hal/link_session.h"
#include "hal/link_stats.h"
#include "hal/time.h"
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

class NeedleActuator {
 public:
  virtual ~NeedleActuator() = default;

  virtual void start_session(std::uint64_t nonce, Instant now) = 0;
  [[nodiscard]] virtual HandshakeState handshake_state() const = 0;
  [[nodiscard]] virtual HandshakeMismatch handshake_mismatch() const = 0;

  // One heartbeat now, with the same permission and epoch as the generator's (SR-38);
  // the caller sends one every 10 ms and the driver none of its own.
  virtual void send_heartbeat(bool rf_permitted, std::uint32_t epoch) = 0;
  // A heartbeat with rf_permitted = false and the new epoch, ahead of everything queued.
  virtual void stop_rf(std::uint32_t new_epoch) = 0;
  virtual void set_pulse_mode(bool delivering_pulse) = 0;

  // Treatment commands: refused after a handshake mismatch.
  [[nodiscard]] virtual CommandSubmission configure(const device::ConfigureActuator& limits) = 0;
  [[nodiscard]] virtual CommandSubmission insert(Micrometres depth) = 0;

  [[nodiscard]] virtual CommandSubmission home() = 0;
  [[nodiscard]] virtual CommandSubmission retract() = 0;
  [[nodiscard]] virtual CommandSubmission read_cartridge() = 0;
  [[nodiscard]] virtual CommandSubmission bind_cartridge(std::uint64_t session_id) = 0;
  [[nodiscard]] virtual CommandSubmission consume_cartridge(std::uint64_t pulse_id) = 0;
  [[nodiscard]] virtual CommandSubmission measure_fixture(std::uint32_t load_index) = 0;
  [[nodiscard]] virtual CommandSubmission clear_latched_faults(std::uint32_t fault_bits) = 0;
  [[nodiscard]] virtual CommandSubmission query_counters() = 0;

  [[nodiscard]] virtual const LinkStats& link_stats() const = 0;
};

}  // namespace rfneedle::hal
