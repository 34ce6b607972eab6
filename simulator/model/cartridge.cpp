#include "simulator/model/cartridge.h"

namespace rfneedle::sim {

CartridgeMemory face_cartridge(std::uint32_t serial, int needle_count,
                               std::chrono::sys_days expiry) {
  return CartridgeMemory{
      CartridgeType::kFace, serial, needle_count, Micrometres(3'500), 600, 0, expiry, 0};
}

CartridgeMemory body_cartridge(std::uint32_t serial, std::chrono::sys_days expiry) {
  return CartridgeMemory{CartridgeType::kBody, serial, 49, Micrometres(7'000), 1'500, 0, expiry, 0};
}

CartridgeMemory calibration_fixture_cartridge(std::uint32_t serial, std::chrono::sys_days expiry) {
  // The fixture's contacts engage at any depth up to the face maximum; it has no needles
  // and no pulse limit worth counting.
  return CartridgeMemory{
      CartridgeType::kCalibrationFixture, serial, 0, Micrometres(3'500), 1'000'000, 0, expiry, 0};
}

std::optional<CartridgeMemory> CartridgeSlot::read() const {
  if (missing_ || !cartridge_) return std::nullopt;
  CartridgeMemory memory = *cartridge_;
  if (expired_) memory.expiry = kLongExpired;
  return memory;
}

CartridgeResult CartridgeSlot::usable(std::chrono::sys_days today) const {
  const std::optional<CartridgeMemory> memory = read();
  if (!memory) return CartridgeResult::kMissing;
  if (memory->expiry < today) return CartridgeResult::kExpired;
  return CartridgeResult::kOk;
}

CartridgeResult CartridgeSlot::bind(std::uint64_t session, std::chrono::sys_days today) {
  if (const CartridgeResult result = usable(today); result != CartridgeResult::kOk) return result;
  if (cartridge_->bound_session != 0 && cartridge_->bound_session != session) {
    return CartridgeResult::kBoundToAnotherSession;
  }
  cartridge_->bound_session = session;
  return CartridgeResult::kOk;
}

CartridgeResult CartridgeSlot::consume(std::chrono::sys_days today) {
  if (const CartridgeResult result = usable(today); result != CartridgeResult::kOk) return result;
  if (cartridge_->pulses_used >= cartridge_->pulse_limit) {
    return CartridgeResult::kPulseLimitReached;
  }
  ++cartridge_->pulses_used;
  return CartridgeResult::kOk;
}

}  // namespace rfneedle::sim
