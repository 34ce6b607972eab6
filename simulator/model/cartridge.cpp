#include "simulator/model/cartridge.h"

namespace rfneedle::sim {

CartridgeMemory face_cartridge(std::uint32_t serial, int needle_count,
                               std::chrono::sys_days expiry) {
  return CartridgeMemory{CartridgeType::kFace,
                         serial,
                         needle_count,
                         Micrometres(3'500),
                         600,
                         0,
                         expiry,
                         0,
                         kNoDate,
                         kNoDate};
}

CartridgeMemory body_cartridge(std::uint32_t serial, std::chrono::sys_days expiry) {
  return CartridgeMemory{
      CartridgeType::kBody, serial, 49, Micrometres(7'000), 1'500, 0, expiry, 0, kNoDate, kNoDate};
}

CartridgeMemory calibration_fixture_cartridge(std::uint32_t serial, std::chrono::sys_days expiry,
                                              std::chrono::sys_days meter_due) {
  // The fixture's contacts engage at any depth up to the face maximum; it has no needles
  // and no pulse limit worth counting.
  return CartridgeMemory{CartridgeType::kCalibrationFixture,
                         serial,
                         0,
                         Micrometres(3'500),
                         1'000'000,
                         0,
                         expiry,
                         0,
                         kNoDate,
                         meter_due};
}

CartridgeMemory simulated_calibration_fixture() {
  using std::chrono::year;
  return calibration_fixture_cartridge(9001, std::chrono::sys_days{year{2030} / 1 / 1},
                                       std::chrono::sys_days{year{2029} / 12 / 31});
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
  if (today <= kNoDate || memory->expiry < today) return CartridgeResult::kExpired;
  return CartridgeResult::kOk;
}

CartridgeResult CartridgeSlot::bind(std::uint64_t session, std::chrono::sys_days today) {
  if (const CartridgeResult result = usable(today); result != CartridgeResult::kOk) return result;
  if (cartridge_->bound_session != 0 && cartridge_->bound_session != session) {
    return CartridgeResult::kBoundToAnotherSession;
  }
  if (cartridge_->bound_session == 0) {
    cartridge_->bound_session = session;
    cartridge_->bound_on = today;
  }
  return CartridgeResult::kOk;
}

CartridgeResult CartridgeSlot::ready_for_pulse(std::chrono::sys_days today) const {
  const std::optional<CartridgeMemory> memory = read();
  if (!memory) return CartridgeResult::kMissing;
  if (memory->type == CartridgeType::kCalibrationFixture) return CartridgeResult::kOk;
  if (memory->bound_session == 0) return CartridgeResult::kNotBound;
  if (const CartridgeResult result = usable(today); result != CartridgeResult::kOk) return result;
  if (memory->pulses_used >= memory->pulse_limit) return CartridgeResult::kPulseLimitReached;
  return CartridgeResult::kOk;
}

CartridgeResult CartridgeSlot::consume(std::chrono::sys_days today) {
  if (const CartridgeResult result = ready_for_pulse(today); result != CartridgeResult::kOk) {
    return result;
  }
  ++cartridge_->pulses_used;
  return CartridgeResult::kOk;
}

}  // namespace rfneedle::sim
