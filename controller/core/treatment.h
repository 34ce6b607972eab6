// The clinical vocabulary of a treatment session (DESIGN 4): body areas, cartridges, the
// screening checklist and the parameters the clinician sets.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "hal/units.h"

namespace rfneedle::core {

enum class BodyArea : std::uint8_t {
  kPeriorbital,
  kForehead,
  kPerioral,
  kNose,
  kCheek,
  kNeck,
  kChest,
  kAbdomen,
  kThighs,
  kArms,
};
inline constexpr std::size_t kBodyAreaCount = 10;

enum class CartridgeKind : std::uint8_t { kFace, kBody, kCalibrationFixture };

// A serial number as the cartridge memory holds it (at most 16 bytes), without allocation.
class CartridgeSerial {
 public:
  static constexpr std::size_t kMaxSize = 16;
  CartridgeSerial() = default;
  // Longer text is cut at kMaxSize (the wire's own limit).
  explicit CartridgeSerial(std::string_view text) {
    size_ = static_cast<std::uint8_t>(std::min(text.size(), kMaxSize));
    std::copy_n(text.data(), size_, text_.data());
  }
  [[nodiscard]] std::string_view view() const { return {text_.data(), size_}; }
  friend bool operator==(const CartridgeSerial& a, const CartridgeSerial& b) {
    return a.view() == b.view();
  }

 private:
  std::array<char, kMaxSize> text_{};
  std::uint8_t size_ = 0;
};

struct CartridgeInfo {
  CartridgeKind kind = CartridgeKind::kFace;
  std::uint32_t needle_count = 25;
  Micrometres max_depth{3500};
  std::uint32_t pulse_limit = 0;
  std::uint32_t pulses_used = 0;
  std::int32_t expiry_day = 0;  // days since 1970-01-01
  CartridgeSerial serial;
  std::uint64_t bound_session = 0;  // from the cartridge memory; 0 = unbound
  // The calibration fixture's reference meter: the due date of its own calibration (days
  // since 1970-01-01; 0: the memory holds none). Needle cartridges: 0.
  std::int32_t meter_due_day = 0;
};

// The pre-treatment contraindications (DESIGN 4).
enum class Contraindication : std::uint8_t {
  kActiveInfectionOrColdSores,
  kActiveAcne,
  kKeloids,
  kEczemaPsoriasisRosacea,
  kAnticoagulantsOrBleedingDisorder,
  kPregnancy,
  kImplantOrMetalInArea,
  kIsotretinoinLast6Months,
  kChemotherapyOrRadiation,
  kUnder18,
};
inline constexpr std::size_t kContraindicationCount = 10;

struct Screening {
  std::array<bool, kContraindicationCount> present{};  // true: the answer is "yes"
  bool clinician_override = false;
  std::string override_reason;

  [[nodiscard]] bool any_present() const {
    for (bool yes : present) {
      if (yes) {
        return true;
      }
    }
    return false;
  }
};

struct SessionRequest {
  std::string patient_ref;  // pseudonymous
  std::string operator_id;
  BodyArea area = BodyArea::kCheek;
  Screening screening;
  std::int32_t today = 0;  // days since 1970-01-01, from the daemon's calendar
};

struct PulseParameters {
  Milliwatts power = watts(10);
  Duration duration = milliseconds(100);
  Micrometres depth{1500};
  // A depth outside the area's preset range needs this, and it is recorded.
  bool depth_confirmed = false;

  [[nodiscard]] Microjoules planned_energy() const { return energy(power, duration); }
};

[[nodiscard]] std::string_view name(BodyArea area);
[[nodiscard]] std::string_view name(Contraindication c);

}  // namespace rfneedle::core
