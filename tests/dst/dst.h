// The deterministic simulation of the whole device (DESIGN 8): the core, the joining layer,
// both drivers and link sessions and both simulated boards with their physics, joined by
// FaultyByteChannels at the line rate on the virtual clock (tests/support/whole_device.h),
// behind a shell that stores the core's records in the daemon's MemoryStore the way
// rfneedled's service thread does. A seed makes one random treatment: settings within
// the envelope, trigger rhythms, simulator faults at random times and durations, link
// noise, the operator's requests, delayed store confirmations and controller crashes.
// After every simulated millisecond the invariants below are checked against the
// simulator's ground truth; the first one broken ends the session with what it saw.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hal/time.h"
#include "hal/units.h"

namespace rfneedle::dst {

// The invariants of DESIGN 8 and issue 12, each held to the requirements it names.
enum class Invariant : std::uint8_t {
  // RF is commanded (a pulse command, a heartbeat permitting RF) only in Energizing with
  // every interlock clear, the needles at the planned depth and the plan's values; in
  // SelfTest or Service only for the pulse the gate must refuse (needles retracted) and
  // for fixture pulses of at most 2 J; never in a latched state, where the relay stays
  // open too (SR-06, SR-51, SR-65, SR-66).
  kRfCommandedOnlyInEnergizing,
  // RF measured on (ground truth) outside what the core permits ends within the deadline
  // of its cause: 6 ms after the core ended the pulse (RF off, then the relay, SR-22);
  // 2 samples + 3 ms after the first sample showing it reached the controller (SR-21,
  // SR-52); with samples lost, the gap limit + 3 ms (SR-40); with the link lost, 51 ms
  // after the generator's last valid frame (SR-39).
  kRfOutsideEndsInTime,
  // Every fault reaches the safe state in order: RF off at the generator within 3 ms of
  // the condition (51 ms after the last valid frame when the link is lost), the relay
  // open before the needles start to retract, no needle motion while RF is on, and the
  // needles withdrawn unless they are stuck (SR-09, SR-51, SR-52).
  kFaultSafeStateInOrder,
  // Every pulse command's plan is inside the envelope and within 62 mJ per needle of the
  // cartridge in the handpiece (its needle count from the cartridge), its energy cap no
  // higher than 110 % of the plan, its depth within the cartridge's; no pulse on a
  // cartridge at its limit, expired, or bound to another session; no pulse delivers more
  // than its cap or conducts past 1000 ms (SR-01, SR-02, SR-03, SR-16, SR-18, SR-19,
  // SR-62, SR-63).
  kPlanWithinEnvelope,
  // Every pulse ID is reserved durably before its command is sent and never used twice;
  // every delivered pulse is recorded exactly once, across restarts (SR-68, SR-69,
  // SR-70).
  kPulseRecordedOnce,
  // A latch the store holds at a restart puts the new core in a latched state, which it
  // leaves only by an acknowledge or a service reset (SR-53, SR-54).
  kLatchesSurviveRestart,
};
inline constexpr std::size_t kInvariantCount = 6;

[[nodiscard]] std::string_view name(Invariant invariant);

struct SessionOptions {
  std::uint64_t seed = 1;
  // Forces the session's length class; otherwise a seed divisible by `long_every` is long
  // (one in ten by default).
  std::optional<bool> long_session;
  std::uint64_t long_every = 10;
  // Print every logged line as it happens.
  bool verbose = false;
};

struct Violation {
  Invariant invariant = Invariant::kRfCommandedOnlyInEnergizing;
  Instant at{};
  std::string what;
};

struct SessionResult {
  std::uint64_t seed = 0;
  bool long_session = false;
  std::optional<Violation> violation;
  // FNV-1a over every logged line (core events, the treatment's actions and faults,
  // the ground truth's RF and needle every millisecond): a replay must give the same.
  std::uint64_t hash = 0;
  Duration simulated{};
  int pulses_delivered = 0;  // the generator's pulse log
  int pulses_stored = 0;     // final records in the store
  int crashes = 0;
  int faults_injected = 0;
  // Pulse records the shell's reconciliation with the generator's pulse log added or
  // completed after a crash or a lost link (SR-70).
  int reconciled = 0;
  MilliCelsius peak_skin{};  // ground truth, skin surface under the tip face
  // On a violation: the last lines of the log.
  std::string last_events;
};

[[nodiscard]] SessionResult run_session(const SessionOptions& options);

}  // namespace rfneedle::dst
