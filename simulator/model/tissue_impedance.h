// Electrical load the needle array presents to the generator at 1 MHz: from insertion
// depth, skin contact, needle count and tip temperature (DESIGN 5, issue 4).
#pragma once

#include "hal/units.h"

namespace rfneedle::sim {

// The state of the tissue between the needles that sets its impedance.
struct TissueElectricalState {
  Micrometres depth{0};    // needle tips beyond the tip face; 0 = retracted
  double contact = 1.0;    // fraction of the needles whose site touches skin, 0..1
  int needle_count = 0;    // needles in the cartridge; 0 = no needles (no cartridge)
  double tip_celsius = 0;  // tissue temperature at the needle tips
  double desiccation = 0;  // fraction of the tip tissue dried out, 0..1
};

// Engineering assumption fitted to the range DESIGN 5 gives (about 80-600 ohm inserted):
// the spreading resistance of a 25-needle bipolar array is 80 ohm + 260 ohm.mm / depth,
// which gives 600 ohm at 0.5 mm and 154 ohm at 3.5 mm; more needles in parallel divide it
// (49 needles at 3.5 mm: 79 ohm).
inline constexpr double kArrayOhmsFloor = 80.0;
inline constexpr double kArrayOhmMillimetres = 260.0;
inline constexpr int kReferenceNeedleCount = 25;

// Stray capacitance of the cable and needle array, assumed 5 pF: 1 / (2 pi 1 MHz 5 pF)
// = 32 kohm. It is the load the generator sees with the needles in air.
inline constexpr double kStrayOhms = 31'831.0;

// Literature value: tissue electrical conductivity rises about 2 %/degC (Haemmerich et
// al., Physiol. Meas. 2003, ~1.5-2 %/degC for liver; DESIGN 5), so impedance scales by
// 1 / (1 + 0.02 (T - T0)).
inline constexpr double kConductivityPerDegC = 0.02;
// Engineering assumption: dermal temperature at the needle tips before any RF, between the
// skin surface (32-34 degC) and the core (37 degC).
inline constexpr double kTissueBaselineCelsius = 35.0;

// Engineering assumption matching the impedance roll-off of RF ablation near 100 degC:
// fully dried tip tissue conducts 20 times worse than fresh tissue.
inline constexpr double kDesiccatedImpedanceFactor = 20.0;

// Impedance of the array in the given state, before any injected fault.
[[nodiscard]] double tissue_impedance_ohms(const TissueElectricalState& state);

}  // namespace rfneedle::sim
