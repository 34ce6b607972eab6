// What is stored for every pulse (DESIGN 6): set and delivered values, impedance
// min/mean/max, peak temperatures and how it ended.
#pragma once

#include <cstdint>
#include <optional>

#include "controller/core/ladder.h"
#include "controller/core/state.h"
#include "controller/core/treatment.h"

namespace rfneedle::core {

enum class PulseOutcome : std::uint8_t {
  kStarted,    // emitted before the pulse command: the ID is stored before it is sent
  kCompleted,  // the board's timer ended it
  kEnded,      // an end-pulse cause (not a fault)
  kAborted,    // an abort-pulse cause, or STOP
  kFaulted,
  // Recorded by the daemon's reconciliation only (SR-70): a stored pulse ID the
  // generator's pulse log does not hold, so no RF was delivered under it.
  kNotDelivered,
};

// Every pulse command carries a pulse ID from one monotonic series, stored before the
// command is sent; self-test and calibration pulses are recorded too, marked as such.
enum class PulseKind : std::uint8_t { kTreatment, kSelfTest, kCalibration };

struct PulseRecord {
  std::uint64_t pulse_id = 0;
  PulseKind kind = PulseKind::kTreatment;
  std::uint64_t session_id = 0;
  Instant started{};
  PulseParameters set;
  Microjoules planned_energy{};
  Microjoules delivered_energy{};
  Duration rf_time{};
  Ohms impedance_measured{};
  Ohms impedance_min{};
  Ohms impedance_mean{};
  Ohms impedance_max{};
  Milliwatts power_peak{};
  MilliCelsius skin_peak{};
  MilliCelsius heatsink_peak{};
  PulseOutcome outcome = PulseOutcome::kStarted;
  std::optional<Condition> cause;
};

// A latch change for the daemon to persist and hand back at start-up (DESIGN 4).
struct LatchRecord {
  State state = State::kStandby;  // kFault, kNeedleStuck, kServiceLock; kStandby = cleared
  Condition cause = Condition::kInternalInvariant;
  Instant at{};
};

}  // namespace rfneedle::core
