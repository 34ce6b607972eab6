#include "simulator/model/tissue_impedance.h"

#include <algorithm>

#include "simulator/model/physical.h"

namespace rfneedle::sim {

namespace {

double parallel(double a, double b) { return a * b / (a + b); }

}  // namespace

double tissue_impedance_ohms(const TissueElectricalState& state) {
  const double depth_mm = millimetres_of(state.depth);
  const double contact = std::clamp(state.contact, 0.0, 1.0);
  const double needles_in_skin = static_cast<double>(state.needle_count) * contact;
  if (depth_mm <= 0 || needles_in_skin <= 0) return kStrayOhms;

  const double reference_array = kArrayOhmsFloor + kArrayOhmMillimetres / depth_mm;
  const double array = reference_array * kReferenceNeedleCount / needles_in_skin;
  // Tissue hotter than 100 degC boils: cap the conductivity gain where water is lost.
  const double warming = std::clamp(state.tip_celsius - kTissueBaselineCelsius, -20.0, 65.0);
  const double heated = array / (1.0 + kConductivityPerDegC * warming);
  const double dried = std::clamp(state.desiccation, 0.0, 1.0);
  const double tissue = heated * (1.0 + (kDesiccatedImpedanceFactor - 1.0) * dried);
  return parallel(tissue, kStrayOhms);
}

}  // namespace rfneedle::sim
