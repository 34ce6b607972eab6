// The clinical vocabulary of a treatment session (DESIGN 4): body areas, cartridges, the
// screening checklist and the parameters the clinician sets.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
  // Appended after the first ten so that every earlier value keeps its number.
  kChin,
  kScalp,  // hair restoration
  kHips,
  kLegs,
};
inline constexpr std::size_t kBodyAreaCount = 14;

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

// The pre-treatment screening (DESIGN 4): its items are configuration. A contraindication
// answered "yes" blocks arming unless a clinician overrides it with a reason; an advisory
// item answered "yes" warns and is recorded, and never blocks.
enum class ScreeningKind : std::uint8_t { kContraindication, kAdvisory };

struct ScreeningItem {
  std::string id;    // the answer's key: lower case, digits and '_'
  std::string text;  // the question as the operator reads it
  ScreeningKind kind = ScreeningKind::kContraindication;
};

using ScreeningItems = std::vector<ScreeningItem>;

struct Screening {
  // One answer per configured item, in the configuration's order; true: "yes".
  std::vector<bool> yes;
  bool clinician_override = false;
  std::string override_reason;

  // Every one of `items` answered "no".
  [[nodiscard]] static Screening all_no(const ScreeningItems& items) {
    Screening s;
    s.yes.assign(items.size(), false);
    return s;
  }
  // A "yes" on an item of this kind.
  [[nodiscard]] bool any(const ScreeningItems& items, ScreeningKind kind) const {
    for (std::size_t i = 0; i < yes.size() && i < items.size(); ++i) {
      if (yes[i] && items[i].kind == kind) {
        return true;
      }
    }
    return false;
  }
  // The rule (SR-60): any contraindication answered "yes" blocks arming unless a clinician
  // override with a non-empty reason is recorded.
  [[nodiscard]] bool blocks_arming(const ScreeningItems& items) const {
    return any(items, ScreeningKind::kContraindication) &&
           !(clinician_override && !override_reason.empty());
  }
};

struct SessionRequest {  // screening: answer every item of CoreConfig::screening
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

}  // namespace rfneedle::core
