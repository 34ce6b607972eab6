#include "simulator/firmware/link_fault_filter.h"

#include <utility>

namespace rfneedle::sim {

bool LinkFaultFilter::chance(double probability) {
  if (probability <= 0) {
    return false;
  }
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_) < probability;
}

void LinkFaultFilter::end_frame(Instant now, const LinkFaultState& faults) {
  std::vector<std::uint8_t> frame = std::move(partial_);
  partial_.clear();
  if (faults.disconnect || chance(faults.drop_rate)) {
    return;
  }
  if (frame.size() > 1 && chance(faults.corrupt_rate)) {
    // One bit of one encoded byte (never the delimiter, never into a new delimiter): the
    // frame still ends where it did and fails its CRC or its COBS structure.
    const std::size_t index =
        std::uniform_int_distribution<std::size_t>(0, frame.size() - 2)(random_);
    const unsigned bit = std::uniform_int_distribution<unsigned>(0, 7)(random_);
    auto flipped = static_cast<std::uint8_t>(frame[index] ^ (1U << bit));
    if (flipped == 0x00) {
      flipped = static_cast<std::uint8_t>(frame[index] ^ (1U << ((bit + 1) % 8)));
    }
    frame[index] = flipped;
  }
  held_.push_back(HeldFrame{now + faults.delay.value_or(Duration::zero()), std::move(frame)});
}

}  // namespace rfneedle::sim
