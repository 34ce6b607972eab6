// What the controller's shell does the same way with either board over its link (DESIGN
// 1, 3): the session and its handshake, heartbeats, the urgent stop, pulse mode, latched
// faults and counters. RfGenerator and NeedleActuator add each board's own commands.
#pragma once

#include <cstdint>

#include "hal/driver_result.h"
#include "hal/handshake_policy.h"
#include "hal/link_stats.h"
#include "hal/time.h"

namespace rfneedle::hal {

class LinkedBoard {
 public:
  virtual ~LinkedBoard() = default;

  // What the handshake accepts beyond this build's protocol (SR-41); set before
  // start_session. Until then no board is accepted.
  virtual void set_handshake_policy(HandshakePolicy policy) = 0;
  // A new link session with this nonce: the handshake starts (SR-42).
  virtual void start_session(std::uint64_t nonce, Instant now) = 0;
  [[nodiscard]] virtual HandshakeState handshake_state() const = 0;
  [[nodiscard]] virtual HandshakeMismatch handshake_mismatch() const = 0;

  // One heartbeat now; the caller sends one every 10 ms on each link (SR-38) and the
  // driver none of its own. rf_permitted = false goes ahead of everything queued (SR-37).
  // SR-06: on the generator link the rf_permitted = true heartbeat precedes the pulse.
  virtual void send_heartbeat(bool rf_permitted, std::uint32_t epoch) = 0;
  // RF off now: a heartbeat with rf_permitted = false and the new epoch, ahead of
  // everything queued and of any retransmission (SR-35, SR-38). The generator follows it
  // with the abort, and returns the abort's submission (its answer is matched like any
  // other's); the actuator sends no abort and returns a submission that was not taken.
  virtual CommandSubmission stop_rf(std::uint32_t new_epoch) = 0;
  // While a pulse is delivered no frame over 64 wire bytes is sent (SR-43).
  virtual void set_pulse_mode(bool delivering_pulse) = 0;

  // Allowed after a handshake mismatch: they make safe or diagnose.
  [[nodiscard]] virtual CommandSubmission clear_latched_faults(std::uint32_t fault_bits) = 0;
  [[nodiscard]] virtual CommandSubmission query_counters() = 0;

  [[nodiscard]] virtual const LinkStats& link_stats() const = 0;
};

}  // namespace rfneedle::hal
