// The RF generator's output stage as a physical source (DESIGN 5): it regulates toward a
// power set-point with a short ramp, within a voltage and a current limit, through an
// output relay, and measures what it delivers with noise. The firmware emulation decides
// when to enable it; the model only obeys physics and its fault hooks.
#pragma once

#include <cstdint>
#include <optional>

#include "hal/time.h"
#include "hal/units.h"
#include "simulator/model/heatsink.h"
#include "simulator/model/measurement_noise.h"

namespace rfneedle::sim {

struct GeneratorConfig {
  // Engineering assumption: 120 V rms output limit (a 1 MHz transformer-coupled stage from
  // a 48 V rail). It cannot hold 50 W above 288 ohm, nor 10 W above 1440 ohm.
  Millivolts voltage_limit{120'000};
  // Engineering assumption: 1.5 A rms, enough for 50 W down to 22 ohm (below the 25 ohm
  // short threshold).
  Milliamps current_limit{1'500};
  // Engineering assumption within the 1-3 ms soft start typical of RF stages; it is
  // shorter than the controller's 3 ms power-check blanking (SR-15).
  Duration ramp = std::chrono::milliseconds(2);
  // Datasheet-typical: +/-1 % (1 sigma) for the rms voltage and current detectors.
  double measurement_sigma = 0.01;
  // Low-level impedance measurement (a small probe signal): noisier, 2 % (1 sigma).
  double probe_sigma = 0.02;
  std::uint64_t seed = 1;
};

// What the generator's own detectors read over the last step (noisy). Impedance and power
// are derived from the voltage and current (a resistive load at 1 MHz). With no RF
// output the impedance is the low-level probe measurement of the load.
struct GeneratorReading {
  Millivolts voltage{0};
  Milliamps current{0};
  Ohms impedance{0};
  Milliwatts power{0};
};

class GeneratorModel {
 public:
  explicit GeneratorModel(const GeneratorConfig& config = {});

  // Commands from the firmware.
  void set_power_setpoint(Milliwatts setpoint) { setpoint_ = setpoint; }
  void set_output_enabled(bool enabled) { output_enabled_ = enabled; }
  void set_relay_closed(bool closed) { relay_closed_ = closed; }

  // Fault hooks.
  // rf-stuck-on: the output stage drives `power` whatever it is commanded; only the relay
  // stops it.
  void set_stuck_on(std::optional<Milliwatts> power) { stuck_on_ = power; }
  // power-drift: the stage delivers (1 + fraction) x what it regulates to.
  void set_power_drift(double fraction) { drift_ = fraction; }
  void set_heatsink_heating(std::optional<HeatsinkHeating> h) { heatsink_.set_forced_heating(h); }

  // Drives `load` for `dt`; takes a new reading.
  void step(Duration dt, Ohms load);
  // A low-level impedance measurement of `load`, with no therapeutic energy.
  [[nodiscard]] Ohms probe_impedance(Ohms load);

  // Ground truth.
  [[nodiscard]] bool rf_on() const { return delivered_w_ > 0; }
  [[nodiscard]] bool relay_closed() const { return relay_closed_; }
  [[nodiscard]] Milliwatts delivered_power() const;
  [[nodiscard]] Millivolts output_voltage() const;
  [[nodiscard]] Milliamps output_current() const;
  [[nodiscard]] Microjoules delivered_energy() const;
  void reset_energy() { energy_j_ = 0; }
  [[nodiscard]] MilliCelsius heatsink_temperature() const { return heatsink_.temperature(); }

  [[nodiscard]] const GeneratorReading& reading() const { return reading_; }
  [[nodiscard]] const GeneratorConfig& config() const { return config_; }

 private:
  [[nodiscard]] double commanded_watts() const;
  void regulate(Duration dt, double commanded_w);
  void take_reading(Ohms load);

  GeneratorConfig config_;
  MeasurementNoise noise_;
  HeatsinkModel heatsink_;
  Milliwatts setpoint_{0};
  bool output_enabled_ = false;
  bool relay_closed_ = false;
  std::optional<Milliwatts> stuck_on_;
  double drift_ = 0;
  double regulated_w_ = 0;  // the stage's ramped power target
  double delivered_w_ = 0;
  double volts_ = 0;
  double amps_ = 0;
  double energy_j_ = 0;
  GeneratorReading reading_;
};

}  // namespace rfneedle::sim
