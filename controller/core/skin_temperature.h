// The tip-face thermistors (DESIGN 4). Interlocks use the higher of the pair: it measures
// the skin surface with thermal lag, never the coagulation zone, so it errs hot. The
// checks are symmetric (STYLE: Klipper's weak spot): a sensor stuck, too fast in either
// direction, or disagreeing with its twin is a service lock, not "no news".
#pragma once

#include <array>
#include <optional>
#include <utility>

#include "controller/core/core_config.h"
#include "controller/core/persistence.h"

namespace rfneedle::core {

class SkinTemperature {
 public:
  struct Reading {
    MilliCelsius hottest{};
    bool warm = false;      // warn
    bool hot = false;       // block next pulse, with hysteresis down to cool_down
    bool overheat = false;  // fault
    bool out_of_range = false;
    bool rate = false;
    bool disagree = false;
    bool stuck = false;  // both unchanged too long after energy was delivered (SR-84)
  };

  [[nodiscard]] Reading update(MilliCelsius a, MilliCelsius b, Instant now, const SkinLimits& skin,
                               const ThermistorLimits& limits);
  // Energy a treatment pulse delivered under the tip face, at its end.
  void on_energy_delivered(Microjoules energy, Instant now, const ThermistorLimits& limits);

 private:
  // One reading per 10 ms, enough to look back one rate window of 100 ms.
  struct Snapshot {
    Instant at{};
    MilliCelsius a{};
    MilliCelsius b{};
  };
  static constexpr Duration kSnapshotPeriod = milliseconds(10);
  static constexpr std::size_t kSnapshots = 32;

  [[nodiscard]] std::optional<Snapshot> snapshot_before(Instant limit) const;

  bool warm_ = false;
  bool hot_ = false;
  Persistence disagreement_;
  std::array<Snapshot, kSnapshots> history_{};
  std::size_t next_ = 0;
  std::size_t count_ = 0;
  // Since either thermistor last changed: their readings then, the energy delivered
  // since, and when that energy reached the stuck threshold.
  std::optional<std::pair<MilliCelsius, MilliCelsius>> unchanged_;
  Microjoules energy_since_change_{};
  std::optional<Instant> energy_reached_at_;
};

}  // namespace rfneedle::core
