#include "hal/board_gate.h"

#include <algorithm>

namespace rfneedle::hal {

bool BoardGate::on_handshake(std::uint64_t nonce) {
  if (nonce_ == nonce) {
    return false;  // a repeated handshake keeps the session (SR-42)
  }
  nonce_ = nonce;
  epoch_ = 0;
  rf_permitted_ = false;
  last_pulse_id_.reset();
  return true;
}

GateAction BoardGate::raise_epoch(std::uint32_t epoch) {
  if (epoch <= epoch_) {
    return GateAction::kNone;
  }
  // A newer epoch means the controller aborted: whatever runs belongs to the old one.
  epoch_ = epoch;
  rf_permitted_ = false;
  return GateAction::kRfOff;
}

GateAction BoardGate::on_heartbeat(bool rf_permitted, std::uint32_t epoch) {
  if (!rf_permitted) {
    // Honoured whatever its epoch: an order to stop is never stale (SR-37).
    (void)raise_epoch(epoch);
    rf_permitted_ = false;
    return GateAction::kRfOff;
  }
  if (epoch < epoch_) {
    return GateAction::kNone;  // a late heartbeat cannot permit RF in a past epoch
  }
  const GateAction action = raise_epoch(epoch);
  rf_permitted_ = true;
  return action;
}

GateAction BoardGate::on_abort(std::uint32_t epoch) {
  (void)raise_epoch(epoch);
  rf_permitted_ = false;
  return GateAction::kRfOff;
}

GateResult BoardGate::admit_pulse(std::uint64_t pulse_id, std::uint32_t epoch, Instant expires_at,
                                  Instant board_now) {
  if (dead_man_latched_) {
    return GateResult::kDeadManLatched;
  }
  if (last_pulse_id_ && pulse_id <= *last_pulse_id_) {
    return GateResult::kDuplicatePulseId;
  }
  if (epoch < epoch_) {
    return GateResult::kOldEpoch;
  }
  // The controller sets expiry at most 20 ms after the latest telemetry time it saw,
  // which is never later than board_now (SR-36).
  if (expires_at <= board_now || expires_at > board_now + kExpiryHorizon) {
    return GateResult::kExpired;
  }
  if (!rf_permitted_ || epoch != epoch_) {
    return GateResult::kRfNotPermitted;
  }
  last_pulse_id_ = pulse_id;
  return GateResult::kOk;
}

DeadManEvent BoardGate::tick(Instant board_now) {
  if (dead_man_latched_ || board_now - last_valid_frame_ < dead_man_after_) {
    return DeadManEvent::kNone;
  }
  dead_man_latched_ = true;
  rf_permitted_ = false;
  return DeadManEvent::kTripped;
}

void BoardGate::clear_dead_man(Instant board_now) {
  dead_man_latched_ = false;
  last_valid_frame_ = board_now;
}

void BoardGate::set_dead_man_after(Duration after) {
  dead_man_after_ = std::clamp(after, kShortestDeadMan, kDeadManAfter);
}

}  // namespace rfneedle::hal
