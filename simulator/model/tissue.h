// The patient's tissue under the handpiece: the load the generator drives and the
// temperatures the treatment produces (DESIGN 5). Ground truth for the simulator's
// control socket; the generator and the thermistors measure it with their own errors.
#pragma once

#include <optional>

#include "hal/time.h"
#include "hal/units.h"
#include "simulator/model/tissue_impedance.h"
#include "simulator/model/tissue_thermal.h"

namespace rfneedle::sim {

// Engineering assumption: what the generator sees with its output disconnected (a broken
// cable or needle connection), beyond anything its measurement distinguishes.
inline constexpr Ohms kOpenCircuit{100'000};

// Fault hooks on the load (impedance-open, impedance-short).
enum class LoadFault { kNone, kOpen, kShort };

class TissueModel {
 public:
  explicit TissueModel(int needle_count);

  // Inputs from the handpiece.
  void set_depth(Micrometres depth) { electrical_.depth = depth; }
  void set_contact(double fraction) { electrical_.contact = fraction; }
  void set_needle_count(int needle_count);
  // The operator moves the handpiece to a new site (see TissueThermalModel::relocate).
  void relocate() { thermal_.relocate(); }

  // Fault hooks.
  void set_load_fault(LoadFault fault, Ohms short_circuit = Ohms(2));
  // impedance-drift: the true impedance is multiplied by `scale` (1 = no drift).
  void set_impedance_scale(double scale) { impedance_scale_ = scale; }
  void set_skin_heating(std::optional<SkinHeating> heating) { thermal_.set_skin_heating(heating); }

  // Heats the tissue with the power the generator delivered into it over `dt`.
  void step(Duration dt, Milliwatts delivered) { thermal_.step(dt, delivered); }

  // The load at this instant, faults included.
  [[nodiscard]] double impedance_ohms() const;
  [[nodiscard]] Ohms impedance() const;
  [[nodiscard]] MilliCelsius tip_temperature() const;
  [[nodiscard]] MilliCelsius skin_temperature() const;
  [[nodiscard]] double desiccation() const { return thermal_.desiccation(); }
  [[nodiscard]] const TissueThermalModel& thermal() const { return thermal_; }

 private:
  TissueElectricalState electrical_;
  TissueThermalModel thermal_;
  LoadFault load_fault_ = LoadFault::kNone;
  Ohms short_circuit_{2};
  double impedance_scale_ = 1.0;
};

}  // namespace rfneedle::sim
