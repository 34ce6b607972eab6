// A board's latched fault bits (device.proto FaultCode: bit = 1 << code). A latch is set
// by the board and cleared only by the controller's ClearLatchedFaults (SR-44).
#pragma once

#include <cstdint>

#include "proto/device.pb.h"

namespace rfneedle::sim {

class LatchedFaults {
 public:
  [[nodiscard]] static constexpr std::uint32_t bit(device::FaultCode code) {
    return std::uint32_t{1} << static_cast<unsigned>(code);
  }

  // True when the latch was not already set.
  bool latch(device::FaultCode code) {
    const bool fresh = (bits_ & bit(code)) == 0;
    bits_ |= bit(code);
    return fresh;
  }
  void clear(std::uint32_t mask) { bits_ &= ~mask; }
  // ClearLatchedFaults: clears each latched bit of `mask` whose cause is gone
  // (`cause_present(code)` false) and returns the bits cleared; a bit whose cause remains
  // stays set (RESULT_LATCHED).
  template <typename CausePresent>
  std::uint32_t clear_where_gone(std::uint32_t mask, CausePresent cause_present) {
    std::uint32_t cleared = 0;
    for (unsigned code = 1; code < 32; ++code) {
      const auto fault = static_cast<device::FaultCode>(code);
      if ((mask & bits_ & bit(fault)) != 0 && !cause_present(fault)) {
        cleared |= bit(fault);
      }
    }
    bits_ &= ~cleared;
    return cleared;
  }
  [[nodiscard]] bool has(device::FaultCode code) const { return (bits_ & bit(code)) != 0; }
  [[nodiscard]] bool any() const { return bits_ != 0; }
  [[nodiscard]] std::uint32_t bits() const { return bits_; }

 private:
  std::uint32_t bits_ = 0;
};

}  // namespace rfneedle::sim
