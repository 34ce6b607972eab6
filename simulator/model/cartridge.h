// The single-use cartridge and its memory, as the actuator board reads and writes it
// through the handpiece (DESIGN 3, SR-62). The slot also takes the calibration fixture,
// a cartridge type carrying reference loads instead of needles.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "hal/units.h"

namespace rfneedle::sim {

enum class CartridgeType { kFace, kBody, kCalibrationFixture };

struct CartridgeMemory {
  CartridgeType type = CartridgeType::kFace;
  std::uint32_t serial = 0;
  int needle_count = 0;  // 25-49 for needle cartridges; 0 for the calibration fixture
  Micrometres max_depth{0};
  std::uint32_t pulse_limit = 0;
  std::uint32_t pulses_used = 0;
  std::chrono::sys_days expiry{};
  std::uint64_t bound_session = 0;  // 0: not bound to a session
  // The controller's date when it bound the cartridge (SR-62): no later date the board is
  // given may be earlier. kNoDate while unbound.
  std::chrono::sys_days bound_on{};
  // The calibration fixture's reference meter: the last day its own calibration
  // certificate covers (SR-66). kNoDate for needle cartridges.
  std::chrono::sys_days meter_due{};
};

// No date known: the wire's dates are 1..65 535 days since 1970-01-01, never day 0.
inline constexpr std::chrono::sys_days kNoDate{};

// Typical cartridges. Engineering assumptions: a face cartridge lasts one full-face
// session with passes to spare (600 pulses), a body cartridge 1500; depths are the
// envelope of DESIGN 4.
[[nodiscard]] CartridgeMemory face_cartridge(std::uint32_t serial, int needle_count,
                                             std::chrono::sys_days expiry);
[[nodiscard]] CartridgeMemory body_cartridge(std::uint32_t serial, std::chrono::sys_days expiry);
[[nodiscard]] CartridgeMemory calibration_fixture_cartridge(std::uint32_t serial,
                                                            std::chrono::sys_days expiry,
                                                            std::chrono::sys_days meter_due);
// The fixture `rfneedle-sim` attaches on request (`cartridge fixture`): serial 9001, its
// reference meter certified through 2029-12-31.
[[nodiscard]] CartridgeMemory simulated_calibration_fixture();

// What the cartridge-expired fault makes the memory report.
inline constexpr std::chrono::sys_days kLongExpired{std::chrono::year{2000} / 1 / 1};

enum class CartridgeResult {
  kOk,
  kMissing,
  kBoundToAnotherSession,
  kNotBound,
  kPulseLimitReached,
  kExpired,
};

class CartridgeSlot {
 public:
  void insert(const CartridgeMemory& cartridge) {
    cartridge_ = cartridge;
    ++changes_;
  }
  void remove() {
    cartridge_.reset();
    ++changes_;
  }
  // Counts every insertion and removal: one cartridge swapped for another between two
  // looks of the board still went through the slot being empty.
  [[nodiscard]] std::uint64_t changes() const { return changes_; }

  // Fault hooks.
  void set_missing(bool missing) { missing_ = missing; }  // cartridge-missing
  void set_expired(bool expired) { expired_ = expired; }  // cartridge-expired

  // The memory as the board reads it; nothing when no cartridge is detected.
  [[nodiscard]] std::optional<CartridgeMemory> read() const;

  // Writes the session and `today` into an unbound cartridge; binding to the same session
  // again is accepted and keeps the first date.
  [[nodiscard]] CartridgeResult bind(std::uint64_t session, std::chrono::sys_days today);
  // Whether the needles may go in for a pulse (SR-62): a needle cartridge bound to a
  // session, in date on `today` (its expiry day is the last usable one; kNoDate counts as
  // expired: a check that cannot run has failed) and below its pulse limit. The
  // calibration fixture needs only to be present: it is never bound and delivers into its
  // reference loads, not into a patient (SR-66).
  [[nodiscard]] CartridgeResult ready_for_pulse(std::chrono::sys_days today) const;
  // Counts one pulse against the cartridge's limit, on the same conditions.
  [[nodiscard]] CartridgeResult consume(std::chrono::sys_days today);

 private:
  [[nodiscard]] CartridgeResult usable(std::chrono::sys_days today) const;

  std::optional<CartridgeMemory> cartridge_;
  std::uint64_t changes_ = 0;
  bool missing_ = false;
  bool expired_ = false;
};

}  // namespace rfneedle::sim
