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
    case BodyArea::kArms:
      return "arms";
  }
  return "?";
}

std::string_view name(Contraindication c) {
  switch (c) {
    case Contraindication::kActiveInfectionOrColdSores:
      return "active infection or cold sores";
    case Contraindication::kActiveAcne:
      return "active acne";
    case Contraindication::kKeloids:
      return "keloids";
    case Contraindication::kEczemaPsoriasisRosacea:
      return "eczema, psoriasis or rosacea in the area";
    case Contraindication::kAnticoagulantsOrBleedingDisorder:
      return "anticoagulants or bleeding disorder";
    case Contraindication::kPregnancy:
      return "pregnancy";
    case Contraindication::kImplantOrMetalInArea:
      return "implanted electronic device or metal in the area";
    case Contraindication::kIsotretinoinLast6Months:
      return "isotretinoin in the last 6 months";
    case Contraindication::kChemotherapyOrRadiation:
      return "chemotherapy or radiation";
    case Contraindication::kUnder18:
      return "under 18";
  }
  return "?";
}

}  // namespace rfneedle::core
