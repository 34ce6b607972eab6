// Checks on every generator sample while RF is delivered (DESIGN 4): desiccation, contact
// lost, short, power off its set-point after the ramp blanking, energy over plan. It also
// accumulates what the pulse record stores. Telemetry's energy is the current or the last
// pulse's: only samples carrying this pulse's ID count toward it.
#pragma once

#include <cstdint>
#include <optional>

#include "controller/core/core_config.h"
#include "controller/core/persistence.h"
#include "controller/core/telemetry.h"

namespace rfneedle::core {

class PulseMonitor {
 public:
  struct Verdict {
    bool desiccation = false;    // end pulse
    bool contact_lost = false;   // abort pulse
    bool short_circuit = false;  // fault
    bool power_deviation = false;
    bool energy_overrun = false;
  };

  // `pulse_id`: the pulse command's; the generator's telemetry names the pulse its energy
  // belongs to, and only this one's counts (before the generator starts it, or when it
  // refuses it, telemetry still reports the last pulse's energy).
  void begin(Milliwatts set_power, Microjoules planned_energy, std::uint64_t pulse_id);
  [[nodiscard]] Verdict update(const GeneratorSample& sample, bool rf_on, Instant now,
                               const ImpedanceLimits& impedance, const PowerLimits& power);
  // A sample after the pulse left Energizing (ended, aborted, faulted) but before its record
  // is made: the generator may have delivered more before RF was off (a gap hid it).
  void account(const GeneratorSample& sample);

  [[nodiscard]] bool rf_seen() const { return rf_on_at_.has_value(); }
  [[nodiscard]] std::optional<Instant> rf_on_at() const { return rf_on_at_; }
  [[nodiscard]] Ohms impedance_min() const { return samples_ ? min_ : Ohms{0}; }
  [[nodiscard]] Ohms impedance_max() const { return max_; }
  [[nodiscard]] Ohms impedance_mean() const { return samples_ ? Ohms{sum_ / samples_} : Ohms{0}; }
  [[nodiscard]] Milliwatts power_peak() const { return power_peak_; }
  [[nodiscard]] Microjoules delivered() const { return delivered_; }

 private:
  Milliwatts set_power_{};
  Microjoules planned_{};
  std::uint64_t pulse_id_ = 0;
  std::optional<Instant> rf_on_at_;
  ConsecutiveSamples open_;
  ConsecutiveSamples shorted_;
  Persistence off_set_point_;
  Ohms min_{};
  Ohms max_{};
  std::int64_t sum_ = 0;
  std::int64_t samples_ = 0;
  Milliwatts power_peak_{};
  Microjoules delivered_{};
};

}  // namespace rfneedle::core
