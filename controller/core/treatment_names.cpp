#include "controller/core/treatment.h"

namespace rfneedle::core {

std::string_view name(BodyArea area) {
  switch (area) {
    case BodyArea::kPeriorbital:
      return "periorbital";
    case BodyArea::kForehead:
      return "forehead";
    case BodyArea::kPerioral:
      return "perioral";
    case BodyArea::kNose:
      return "nose";
    case BodyArea::kCheek:
      return "cheek";
    case BodyArea::kNeck:
      return "neck";
    case BodyArea::kChest:
      return "chest";
    case BodyArea::kAbdomen:
      return "abdomen";
    case BodyArea::kThighs:
      return "thighs";
    case BodyArea::kChin:
      return "chin";
    case BodyArea::kScalp:
      return "scalp";
    case BodyArea::kHips:
      return "hips";
    case BodyArea::kLegs:
      return "legs";
    case BodyArea::kArms:
      return "arms";
  }
  return "?";
}

}  // namespace rfneedle::core
