// The board-side command gate of DESIGN 3, shared by every board implementation (the
// simulator's firmware included). The LinkSession has already delivered each reliable
// command in order and once (SR-34); the gate decides whether a pulse command may run:
// its epoch (SR-35), its expiry in the board's clock (SR-36), the latest heartbeat's
// permission (SR-37), the session nonce and pulse-ID memory (SR-42), and the dead-man
// (SR-39). Value-based and sans-I/O: no protobuf, no clock reads.
#pragma once

#include <cstdint>
#include <optional>

#include "hal/time.h"

namespace rfneedle::hal {

// Why the gate refused a pulse command. Maps 1:1 onto device.proto's ResultCode (see
// to_result_code in the drivers).
enum class GateResult : std::uint8_t {
  kOk,
  kExpired,           // expiry passed, or further ahead than any telemetry time + 20 ms
  kOldEpoch,          // older than the latest epoch the board has seen
  kRfNotPermitted,    // the latest heartbeat did not permit RF in this epoch
  kDuplicatePulseId,  // this pulse ID (or a later one) already ran in this session
  kDeadManLatched,    // the dead-man tripped and has not been cleared
};

// What the board must do at once, in its own hardware terms.
enum class GateAction : std::uint8_t {
  kNone,
  kRfOff,  // stop RF now (SR-37: within 1 ms of receipt)
};

enum class DeadManEvent : std::uint8_t {
  kNone,
  kTripped,  // RF off and relay open; actuator drops at-depth and retracts (SR-39)
};

class BoardGate {
 public:
  static constexpr Duration kDeadManAfter = milliseconds(50);  // DESIGN 3, SR-39
  // The shortest dead-man time configure may set (device.proto `dead_man_ms`: 20..50 ms).
  static constexpr Duration kShortestDeadMan = milliseconds(20);
  static constexpr Duration kExpiryHorizon = milliseconds(20);  // DESIGN 3, SR-36

  explicit BoardGate(Instant board_now) : last_valid_frame_(board_now) {}

  // True when the nonce starts a new session: the owner resets its LinkSession too.
  bool on_handshake(std::uint64_t nonce);
  // Every valid frame renews the dead-man.
  void on_valid_frame(Instant board_now) { last_valid_frame_ = board_now; }
  [[nodiscard]] Instant last_valid_frame() const { return last_valid_frame_; }
  GateAction on_heartbeat(bool rf_permitted, std::uint32_t epoch);
  GateAction on_abort(std::uint32_t epoch);
  // On success the pulse ID is remembered: it never runs again in this session.
  [[nodiscard]] GateResult admit_pulse(std::uint64_t pulse_id, std::uint32_t epoch,
                                       Instant expires_at, Instant board_now);
  [[nodiscard]] DeadManEvent tick(Instant board_now);
  // Only on the controller's explicit command (SR-39: latched until then).
  void clear_dead_man(Instant board_now);
  // From the board's configure command, clamped to [kShortestDeadMan, kDeadManAfter].
  void set_dead_man_after(Duration after);
  [[nodiscard]] Duration dead_man_after() const { return dead_man_after_; }

  [[nodiscard]] bool rf_permitted() const { return rf_permitted_ && !dead_man_latched_; }
  [[nodiscard]] bool dead_man_latched() const { return dead_man_latched_; }
  [[nodiscard]] std::uint32_t epoch() const { return epoch_; }
  [[nodiscard]] std::optional<std::uint64_t> nonce() const { return nonce_; }

 private:
  GateAction raise_epoch(std::uint32_t epoch);

  std::optional<std::uint64_t> nonce_;
  std::uint32_t epoch_ = 0;
  bool rf_permitted_ = false;  // the latest heartbeat's permission, for epoch_
  // Pulse IDs are monotonic per device (DESIGN 3), so "already executed" is a watermark.
  std::optional<std::uint64_t> last_pulse_id_;
  Instant last_valid_frame_;
  Duration dead_man_after_ = kDeadManAfter;
  bool dead_man_latched_ = false;
};

}  // namespace rfneedle::hal
