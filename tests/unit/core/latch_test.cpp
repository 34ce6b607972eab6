// Latches outlive a restart (DESIGN 4): reported on every change, handed back at start-up
// before Standby.
#include <gtest/gtest.h>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

// Verifies: SR-53
TEST(Latches, EveryLatchChangeIsReportedWithItsCause) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.heatsink = celsius(80);
  rig.run(milliseconds(2));
  ASSERT_FALSE(rig.latches.empty());
  EXPECT_EQ(rig.latches.back().state, State::kFault);
  EXPECT_EQ(rig.latches.back().cause, Condition::kHeatsinkOverheat);
  rig.boards.gen.heatsink = celsius(40);
  rig.run(milliseconds(200));
  ASSERT_TRUE(rig.core.acknowledge(rig.now()).ok());
  rig.drain();
  EXPECT_EQ(rig.latches.back().state, State::kStandby);
}

// Verifies: SR-53
TEST(Latches, ARestoredServiceLockIsEnteredInsteadOfStandby) {
  Rig rig;
  const std::vector<LatchRecord> stored = {
      {State::kServiceLock, Condition::kThermistorDisagree, Instant{}}};
  ASSERT_TRUE(rig.power_on(stored));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kThermistorDisagree));
  EXPECT_FALSE(rig.core.acknowledge(rig.now()).ok());
  EXPECT_TRUE(rig.core.service_reset("thermistor pair replaced", rig.now()).ok());
}

// Verifies: SR-53
TEST(Latches, ARestoredFaultNeedsAnAcknowledge) {
  Rig rig;
  ASSERT_TRUE(rig.power_on({{State::kFault, Condition::kMotorStall, Instant{}}}));
  EXPECT_EQ(rig.core.state(), State::kFault);
  EXPECT_TRUE(rig.core.acknowledge(rig.now()).ok());
  EXPECT_EQ(rig.core.state(), State::kStandby);
}

// Verifies: SR-53
TEST(Latches, StandbyWaitsForTheDaemonToHandBackTheLatches) {
  Rig rig;
  rig.core.on_handshake(Board::kGenerator, matched_handshake(Board::kGenerator), rig.now());
  rig.core.on_handshake(Board::kActuator, matched_handshake(Board::kActuator), rig.now());
  rig.run(seconds(2));
  EXPECT_EQ(rig.core.state(), State::kSelfTest);
  rig.core.restore({}, 41, rig.now());
  EXPECT_EQ(rig.core.state(), State::kStandby);
  EXPECT_EQ(rig.core.status().last_pulse_id, 41u);
}

// Pulse IDs are monotonic per device across restarts (the daemon's SR-68 relies on this).
TEST(Latches, PulseIdsContinueFromTheLastStoredOne) {
  Rig rig;
  rig.core.restore({}, 1000, rig.now());
  ASSERT_TRUE(rig.ready());
  rig.press_and_hold();
  ASSERT_FALSE(rig.records.empty());
  // 1001 went to the power-on self-test's at-depth request.
  EXPECT_EQ(rig.records.front().pulse_id, 1002u);
}

// Verifies: SR-49
TEST(Latches, StopInALatchedStateKeepsRfOffAndChangesNothingElse) {
  Rig rig;
  ASSERT_TRUE(rig.power_on({{State::kFault, Condition::kMotorStall, Instant{}}}));
  rig.clear_logs();
  (void)rig.core.stop(rig.now());
  rig.drain();
  EXPECT_EQ(rig.core.state(), State::kFault);
  ASSERT_FALSE(rig.sent.empty());
  EXPECT_TRUE(std::holds_alternative<Abort>(rig.sent.front().command));
}

}  // namespace
}  // namespace rfneedle::core::testing
