// Reconciliation of the generator's pulse log with the store (SR-70): one sans-I/O
// function over the Store interface, used by rfneedled when the generator connects (at
// start-up, and again after a lost link) and by the tests with MemoryStore. Matched by
// pulse ID within a scope, so every delivered pulse is recorded exactly once:
//
// - a logged pulse the store has no record of is added with the generator's values and
//   marked reconciled;
// - a logged pulse whose stored record is not yet reconciled is completed from the log:
//   delivered energy and duration, the impedance range, and (when the record is still the
//   started one) its outcome from how the generator ended it; marked reconciled;
// - a stored pulse the log does not hold, with no energy recorded, is marked
//   not_delivered (and reconciled); one with energy recorded contradicts the log and is
//   left as it is, reported;
// - a record already reconciled is never changed again, so running it twice changes
//   nothing.
//
// At start-up, a session the store still holds open was open when the previous run ended
// (a crash, a power cut): it is closed as `interrupted` (close_interrupted_sessions), and
// can be resumed with its bound cartridge (SR-89).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "controller/daemon/logged_pulse.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon {

struct ReconcileScope {
  // Pulse IDs judged: from the ID the log was read from, through the last this device had
  // used when the read began (a later one may be delivered after the log was read, and is
  // not judged by it) or, when the read was cut short, the last ID read.
  std::uint64_t from_pulse_id = 1;
  std::uint64_t through_pulse_id = 0;
  // Where a pulse missing from the store is added: the session open when it was delivered
  // (0: none known), its area and a time for its record.
  std::uint64_t session_id = 0;
  core::BodyArea area = core::BodyArea::kCheek;
  WallMs at = 0;
};

struct ReconcileResult {
  std::vector<std::uint64_t> added;
  std::vector<std::uint64_t> completed;
  std::vector<std::uint64_t> not_delivered;
  std::vector<std::uint64_t> contradicted;  // energy stored, yet absent from the log
  std::uint32_t already_reconciled = 0;
  // A write failed: the store is as far as it got; running the same reconciliation again
  // finishes it (nothing is done twice).
  bool store_failed = false;

  [[nodiscard]] bool changed() const {
    return !added.empty() || !completed.empty() || !not_delivered.empty();
  }
};

// The session outcome of a session the previous run left open (SR-70, SR-89).
inline constexpr const char* kInterruptedOutcome = "interrupted";

struct InterruptedSessions {
  std::vector<std::uint64_t> closed;  // oldest first
  // A write failed: the sessions not in `closed` are still open; running it again at the
  // next start-up closes them.
  bool store_failed = false;
};

// Start-up, before the core runs: every session stored as `open` is closed as `interrupted`
// at `at`. Only the newest `limit` sessions are looked at (one is open at a time; a store
// from before this rule may hold more).
[[nodiscard]] InterruptedSessions close_interrupted_sessions(Store& store, WallMs at,
                                                             std::uint32_t limit = 64);

// `log`: the entries read, oldest first.
[[nodiscard]] ReconcileResult reconcile(Store& store, std::span<const LoggedPulse> log,
                                        const ReconcileScope& scope);

// A stored record completed from the generator's log entry of the same pulse (also used
// when the core's own final record comes after the log was read).
void complete_from_log(StoredPulse& stored, const LoggedPulse& logged);

// The scope of a read of the log: from `read.from_pulse_id` through `read.through_pulse_id`.
[[nodiscard]] ReconcileScope scope_of(const PulseLogRead& read);

// Where the generator's log must be read from at start-up: the store's first record still
// only started, or else just past its last record (a pulse delivered under a reserved ID
// whose started record never reached the store).
[[nodiscard]] std::uint64_t reconcile_from(Store& store);

}  // namespace rfneedle::daemon
