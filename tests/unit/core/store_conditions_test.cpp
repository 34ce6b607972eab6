// What the daemon tells the core of its store (issue 10): a failed commit blocks the next
// pulse on a medium alarm, an unusable store locks the device, a clock gone back refuses
// Arm until a service engineer confirms the time.
#include <gtest/gtest.h>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

bool any_rf_permitted(const Rig& rig) {
  for (const Sent& s : rig.sent) {
    if (const auto* beat = std::get_if<Heartbeat>(&s.command); beat && beat->rf_permitted) {
      return true;
    }
  }
  return false;
}

// Verifies: SR-85
TEST(StoreConditions, AFailedCommitBlocksTheNextPulseOnAMediumAlarmUntilTheStoreTakesWrites) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  ASSERT_TRUE(rig.core.on_store_condition(Condition::kStoreFailed, true, rig.now()));
  rig.drain();
  EXPECT_TRUE(rig.raised(Condition::kStoreFailed));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kMedium);
  rig.press_and_hold();
  EXPECT_TRUE(rig.sent_of<Insert>().empty());
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  ASSERT_TRUE(rig.core.on_store_condition(Condition::kStoreFailed, false, rig.now()));
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kReady);
  rig.press_and_hold();
  EXPECT_EQ(rig.sent_of<DeliverPulse>().size(), 1u);
}

// Verifies: SR-86
TEST(StoreConditions, AnUnusableStoreLocksTheDeviceBeforeItConnectsAndNoResetClearsIt) {
  Rig rig;
  ASSERT_TRUE(rig.core.on_store_condition(Condition::kStoreUnusable, true, rig.now()));
  rig.drain();
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.power_on());
  rig.run(milliseconds(200));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kHigh);
  EXPECT_FALSE(rig.core.service_reset("the store was checked", rig.now()).ok());
  EXPECT_FALSE(rig.core.enter_service(rig.now()).ok());
  EXPECT_FALSE(rig.core.open_session(Rig::session_request(), rig.now()).ok());
  EXPECT_FALSE(rig.core.arm(rig.now()).ok());
  rig.run(milliseconds(200));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  EXPECT_FALSE(any_rf_permitted(rig));
}

// Verifies: SR-87
TEST(StoreConditions, AClockEarlierThanTheRecordsRefusesArmUntilTheTimeIsConfirmed) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  ASSERT_TRUE(rig.core.on_store_condition(Condition::kClockBehindRecords, true, rig.now()));
  rig.drain();
  EXPECT_TRUE(rig.raised(Condition::kClockBehindRecords));
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kMedium);
  ASSERT_TRUE(rig.core.open_session(Rig::session_request(), rig.now()).ok());
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  EXPECT_FALSE(rig.core.arm(rig.now()).ok());
  rig.press_and_hold();
  EXPECT_TRUE(rig.sent_of<Insert>().empty());
  ASSERT_TRUE(rig.core.on_store_condition(Condition::kClockBehindRecords, false, rig.now()));
  EXPECT_TRUE(rig.core.arm(rig.now()).ok());
}

// Verifies: SR-87
TEST(StoreConditions, AClockFoundBehindWhileArmedPausesTheTreatment) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  ASSERT_TRUE(rig.core.on_store_condition(Condition::kClockBehindRecords, true, rig.now()));
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  rig.press_and_hold();
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
}

TEST(StoreConditions, TheCoresOwnConditionsCannotBeSetFromOutside) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  EXPECT_FALSE(rig.core.on_store_condition(Condition::kSkinHot, true, rig.now()));
  EXPECT_FALSE(rig.core.on_store_condition(Condition::kRecordNotStored, true, rig.now()));
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kSkinHot));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

}  // namespace
}  // namespace rfneedle::core::testing
