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
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "controller/daemon/logged_pulse.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon {

struct ReconcileScope {
  // Pulse IDs judged: from the ID the log was read from, through the highest this device
  // may have used (its reservation) or, when the read was cut short, the last ID read.
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

// `log`: the entries read, oldest first.
[[nodiscard]] ReconcileResult reconcile(Store& store, std::span<const LoggedPulse> log,
                                        const ReconcileScope& scope);

// A stored record completed from the generator's log entry of the same pulse (also used
// when the core's own final record comes after the log was read).
void complete_from_log(StoredPulse& stored, const LoggedPulse& logged);

// The scope of a read of the log from `read.from_pulse_id`, for a device that has reserved
// pulse IDs up to `reserved`.
[[nodiscard]] ReconcileScope scope_of(const PulseLogRead& read, std::uint64_t reserved);

// Where the generator's log must be read from at start-up: the store's first record still
// only started, or else just past its last record (a pulse delivered under a reserved ID
// whose started record never reached the store).
[[nodiscard]] std::uint64_t reconcile_from(Store& store);

}  // namespace rfneedle::daemon
