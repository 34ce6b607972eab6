// Cartridge memory: binding to a session, the pulse limit, expiry, missing and expired
// faults.
#include "simulator/model/cartridge.h"

#include <gtest/gtest.h>

namespace rfneedle::sim {
namespace {

using std::chrono::sys_days;
using std::chrono::year;

constexpr sys_days kToday{year{2025} / 6 / 1};
constexpr sys_days kNextYear{year{2026} / 6 / 1};

CartridgeSlot slot_with(const CartridgeMemory& memory) {
  CartridgeSlot slot;
  slot.insert(memory);
  return slot;
}

TEST(Cartridge, FaceCartridgeReportsItsTypeNeedlesDepthAndLimit) {
  const CartridgeSlot slot = slot_with(face_cartridge(17, 25, kNextYear));
  const auto memory = slot.read();
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->type, CartridgeType::kFace);
  EXPECT_EQ(memory->needle_count, 25);
  EXPECT_EQ(memory->max_depth, Micrometres(3'500));
  EXPECT_EQ(body_cartridge(18, kNextYear).max_depth, Micrometres(7'000));
  EXPECT_EQ(calibration_fixture_cartridge(19, kNextYear, kNextYear).type,
            CartridgeType::kCalibrationFixture);
}

// A cartridge bound to session 1 on kToday.
CartridgeSlot bound(CartridgeMemory memory) {
  CartridgeSlot slot = slot_with(memory);
  EXPECT_EQ(slot.bind(1, kToday), CartridgeResult::kOk);
  return slot;
}

// Verifies: SR-62
TEST(Cartridge, BindsToOneSessionOnlyAndRecordsTheFirstBindDate) {
  CartridgeSlot slot = slot_with(face_cartridge(1, 49, kNextYear));
  EXPECT_EQ(slot.read()->bound_on, kNoDate);
  EXPECT_EQ(slot.bind(42, kToday), CartridgeResult::kOk);
  EXPECT_EQ(slot.bind(42, kToday + std::chrono::days(3)), CartridgeResult::kOk);
  EXPECT_EQ(slot.bind(43, kToday), CartridgeResult::kBoundToAnotherSession);
  EXPECT_EQ(slot.read()->bound_session, 42u);
  EXPECT_EQ(slot.read()->bound_on, kToday);
}

// Verifies: SR-62
TEST(Cartridge, RefusesAPulsePastItsLimit) {
  CartridgeMemory memory = face_cartridge(1, 49, kNextYear);
  memory.pulse_limit = 2;
  CartridgeSlot slot = bound(memory);
  EXPECT_EQ(slot.consume(kToday), CartridgeResult::kOk);
  EXPECT_EQ(slot.ready_for_pulse(kToday), CartridgeResult::kOk);
  EXPECT_EQ(slot.consume(kToday), CartridgeResult::kOk);
  EXPECT_EQ(slot.ready_for_pulse(kToday), CartridgeResult::kPulseLimitReached);
  EXPECT_EQ(slot.consume(kToday), CartridgeResult::kPulseLimitReached);
  EXPECT_EQ(slot.read()->pulses_used, 2u);
}

// Verifies: SR-62
TEST(Cartridge, ItsExpiryDayIsTheLastUsableOne) {
  CartridgeSlot slot = bound(face_cartridge(1, 49, kToday));
  EXPECT_EQ(slot.ready_for_pulse(kToday), CartridgeResult::kOk);
  EXPECT_EQ(slot.consume(kToday), CartridgeResult::kOk);
  EXPECT_EQ(slot.ready_for_pulse(kToday + std::chrono::days(1)), CartridgeResult::kExpired);
  EXPECT_EQ(slot.consume(kToday + std::chrono::days(1)), CartridgeResult::kExpired);
  EXPECT_EQ(slot.read()->pulses_used, 1u);
}

// Verifies: SR-62
TEST(Cartridge, ANeedleCartridgeTakesNoPulseUnboundOrWithNoDateKnown) {
  CartridgeSlot slot = slot_with(face_cartridge(1, 49, kNextYear));
  EXPECT_EQ(slot.ready_for_pulse(kToday), CartridgeResult::kNotBound);
  EXPECT_EQ(slot.consume(kToday), CartridgeResult::kNotBound);
  EXPECT_EQ(slot.read()->pulses_used, 0u);
  ASSERT_EQ(slot.bind(1, kToday), CartridgeResult::kOk);
  EXPECT_EQ(slot.ready_for_pulse(kNoDate), CartridgeResult::kExpired);
  EXPECT_EQ(slot.ready_for_pulse(kToday), CartridgeResult::kOk);
}

// Verifies: SR-66
TEST(Cartridge, TheCalibrationFixtureNeedsNoBindingAndNoDate) {
  const CartridgeSlot slot = slot_with(calibration_fixture_cartridge(9, kToday, kToday));
  EXPECT_EQ(slot.ready_for_pulse(kNoDate), CartridgeResult::kOk);
}

TEST(CartridgeFaultHooks, MissingReadsNothingAndRefusesEverything) {
  CartridgeSlot slot = bound(face_cartridge(1, 49, kNextYear));
  slot.set_missing(true);
  EXPECT_FALSE(slot.read());
  EXPECT_EQ(slot.ready_for_pulse(kToday), CartridgeResult::kMissing);
  EXPECT_EQ(slot.consume(kToday), CartridgeResult::kMissing);
  slot.set_missing(false);
  EXPECT_TRUE(slot.read());
}

TEST(CartridgeFaultHooks, ExpiredReportsAnExpiryLongPast) {
  CartridgeSlot slot = slot_with(face_cartridge(1, 49, kNextYear));
  slot.set_expired(true);
  EXPECT_EQ(slot.read()->expiry, kLongExpired);
  EXPECT_EQ(slot.bind(1, kToday), CartridgeResult::kExpired);
}

}  // namespace
}  // namespace rfneedle::sim
