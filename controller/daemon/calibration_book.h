// The calibrations in force by generator serial (SR-66), as the safety thread keeps them
// between the store and the core: a calibration belongs to the generator it was measured
// on. At each generator handshake, before the core hears it (its configure carries the
// correction), the core gets that generator's calibration in force, and another generator
// none. A completed calibration is put in force for the connected generator and becomes
// an outcome for the store; the store's ID comes back for the session records.
// Sans-I/O: the SafetyLoop and the whole-device tests drive the same code.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "controller/core/core.h"
#include "controller/daemon/safety_records.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon {

class CalibrationBook {
 public:
  // Start-up: what the store holds in force (Store::calibrations_in_force()).
  void restore(std::span<const CalibrationInForce> calibrations);

  // A generator answered the handshake with `serial`: called before core.on_handshake.
  void on_generator(std::string_view serial, core::Core& core, Instant now);

  // core.complete_calibration; when the call ended the runs (passed or failed), what the
  // store records.
  [[nodiscard]] core::Response complete(core::Core& core, std::int32_t today, Instant now,
                                        std::optional<CalibrationOutcome>& outcome);

  // The store took the record under `id`: the book and the core carry the ID from now on.
  void stored(std::uint64_t id, const core::CalibrationRecord& record, core::Core& core,
              Instant now);

  [[nodiscard]] const BoardSerial& generator() const { return generator_; }
  [[nodiscard]] std::optional<core::CalibrationRecord> in_force(const BoardSerial& generator) const;

 private:
  BoardSerial generator_;
  // One entry per generator ever calibrated; grows only when a new one is.
  std::vector<CalibrationInForce> in_force_;
};

// What the store keeps of an outcome, at wall time `at`.
[[nodiscard]] StoredCalibration to_stored(const CalibrationOutcome& outcome, WallMs at);

}  // namespace rfneedle::daemon
