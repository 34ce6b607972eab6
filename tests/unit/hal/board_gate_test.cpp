// BoardGate on its own: each admission rule of DESIGN 3 at its boundary.
#include "hal/board_gate.h"

#include <gtest/gtest.h>

namespace rfneedle::hal {
namespace {

Instant at_ms(std::int64_t ms) { return Instant(milliseconds(ms)); }

// A gate in session 7, epoch 1, RF permitted, with the board clock at 100 ms.
BoardGate permitted_gate() {
  BoardGate gate(at_ms(100));
  (void)gate.on_handshake(7);
  (void)gate.on_heartbeat(true, 1);
  return gate;
}

TEST(BoardGate, AdmitsAPulseInTheCurrentEpochBeforeItsExpiry) {
  BoardGate gate = permitted_gate();
  EXPECT_EQ(gate.admit_pulse(1, 1, at_ms(110), at_ms(100)), GateResult::kOk);
}

// Verifies: SR-36
TEST(BoardGate, RefusesAPulseWhoseExpiryHasPassedInTheBoardClock) {
  BoardGate gate = permitted_gate();
  EXPECT_EQ(gate.admit_pulse(1, 1, at_ms(100), at_ms(100)), GateResult::kExpired);
  EXPECT_EQ(gate.admit_pulse(2, 1, at_ms(99), at_ms(100)), GateResult::kExpired);
  EXPECT_EQ(gate.admit_pulse(3, 1, Instant(microseconds(100'001)), at_ms(100)), GateResult::kOk);
}

// Verifies: SR-36
TEST(BoardGate, RefusesAnExpiryMoreThan20msAheadOfTheBoardClock) {
  BoardGate gate = permitted_gate();
  EXPECT_EQ(gate.admit_pulse(1, 1, Instant(microseconds(120'001)), at_ms(100)),
            GateResult::kExpired);
  EXPECT_EQ(gate.admit_pulse(2, 1, at_ms(120), at_ms(100)), GateResult::kOk);
}

// Verifies: SR-35
TEST(BoardGate, AnAbortRaisesTheEpochAndRefusesOlderPulses) {
  BoardGate gate = permitted_gate();
  EXPECT_EQ(gate.on_abort(2), GateAction::kRfOff);
  EXPECT_EQ(gate.epoch(), 2U);
  EXPECT_EQ(gate.admit_pulse(1, 1, at_ms(110), at_ms(100)), GateResult::kOldEpoch);
}

// Verifies: SR-35, SR-37
TEST(BoardGate, AfterAnAbortOnlyAHeartbeatOfTheNewEpochPermitsRfAgain) {
  BoardGate gate = permitted_gate();
  (void)gate.on_abort(2);
  EXPECT_FALSE(gate.rf_permitted());
  EXPECT_EQ(gate.admit_pulse(1, 2, at_ms(110), at_ms(100)), GateResult::kRfNotPermitted);
  EXPECT_EQ(gate.on_heartbeat(true, 1), GateAction::kNone);  // late, from the old epoch
  EXPECT_FALSE(gate.rf_permitted());
  (void)gate.on_heartbeat(true, 2);
  EXPECT_EQ(gate.admit_pulse(1, 2, at_ms(110), at_ms(100)), GateResult::kOk);
}

// Verifies: SR-37
TEST(BoardGate, AHeartbeatWithoutPermissionTurnsRfOffAtOnceWhateverItsEpoch) {
  BoardGate gate = permitted_gate();
  EXPECT_EQ(gate.on_heartbeat(false, 0), GateAction::kRfOff);
  EXPECT_FALSE(gate.rf_permitted());
  EXPECT_EQ(gate.admit_pulse(1, 1, at_ms(110), at_ms(100)), GateResult::kRfNotPermitted);
}

// Verifies: SR-37
TEST(BoardGate, APulseNeedsTheLatestHeartbeatToCarryItsEpoch) {
  BoardGate gate = permitted_gate();
  EXPECT_EQ(gate.admit_pulse(1, 2, at_ms(110), at_ms(100)), GateResult::kRfNotPermitted);
  BoardGate fresh(at_ms(0));
  (void)fresh.on_handshake(1);
  EXPECT_EQ(fresh.admit_pulse(1, 0, at_ms(10), at_ms(0)), GateResult::kRfNotPermitted);
}

// Verifies: SR-35
TEST(BoardGate, AHeartbeatFromANewerEpochTurnsRfOffBeforePermittingIt) {
  BoardGate gate = permitted_gate();
  EXPECT_EQ(gate.on_heartbeat(true, 3), GateAction::kRfOff);
  EXPECT_EQ(gate.epoch(), 3U);
  EXPECT_TRUE(gate.rf_permitted());
}

TEST(BoardGate, APulseIdRunsOnceAndNeverAgain) {
  BoardGate gate = permitted_gate();
  ASSERT_EQ(gate.admit_pulse(5, 1, at_ms(110), at_ms(100)), GateResult::kOk);
  EXPECT_EQ(gate.admit_pulse(5, 1, at_ms(110), at_ms(100)), GateResult::kDuplicatePulseId);
  EXPECT_EQ(gate.admit_pulse(4, 1, at_ms(110), at_ms(100)), GateResult::kDuplicatePulseId);
  EXPECT_EQ(gate.admit_pulse(6, 1, at_ms(110), at_ms(100)), GateResult::kOk);
}

TEST(BoardGate, ARefusedPulseIdIsNotRemembered) {
  BoardGate gate = permitted_gate();
  ASSERT_EQ(gate.admit_pulse(5, 1, at_ms(90), at_ms(100)), GateResult::kExpired);
  EXPECT_EQ(gate.admit_pulse(5, 1, at_ms(110), at_ms(100)), GateResult::kOk);
}

// Verifies: SR-42
TEST(BoardGate, ANewNonceResetsPulseMemoryEpochAndPermission) {
  BoardGate gate = permitted_gate();
  ASSERT_EQ(gate.admit_pulse(5, 1, at_ms(110), at_ms(100)), GateResult::kOk);
  EXPECT_TRUE(gate.on_handshake(8));
  EXPECT_EQ(gate.epoch(), 0U);
  EXPECT_FALSE(gate.rf_permitted());
  (void)gate.on_heartbeat(true, 0);
  EXPECT_EQ(gate.admit_pulse(5, 0, at_ms(110), at_ms(100)), GateResult::kOk);
}

// Verifies: SR-42
TEST(BoardGate, ARepeatedHandshakeWithTheSameNonceKeepsTheSession) {
  BoardGate gate = permitted_gate();
  ASSERT_EQ(gate.admit_pulse(5, 1, at_ms(110), at_ms(100)), GateResult::kOk);
  EXPECT_FALSE(gate.on_handshake(7));
  EXPECT_EQ(gate.epoch(), 1U);
  EXPECT_TRUE(gate.rf_permitted());
  EXPECT_EQ(gate.admit_pulse(5, 1, at_ms(110), at_ms(100)), GateResult::kDuplicatePulseId);
}

// Verifies: SR-39
TEST(BoardGate, DeadManTripsAt50msWithoutAValidFrameNotAt49ms) {
  BoardGate gate = permitted_gate();
  gate.on_valid_frame(at_ms(200));
  EXPECT_EQ(gate.tick(at_ms(249)), DeadManEvent::kNone);
  EXPECT_TRUE(gate.rf_permitted());
  EXPECT_EQ(gate.tick(at_ms(250)), DeadManEvent::kTripped);
  EXPECT_FALSE(gate.rf_permitted());
  EXPECT_EQ(gate.tick(at_ms(251)), DeadManEvent::kNone);  // reported once
}

// Verifies: SR-39
TEST(BoardGate, AConfiguredDeadManTripsAtItsTimeWithin20To50ms) {
  BoardGate gate = permitted_gate();
  gate.set_dead_man_after(milliseconds(30));
  gate.on_valid_frame(at_ms(200));
  EXPECT_EQ(gate.tick(at_ms(229)), DeadManEvent::kNone);
  EXPECT_EQ(gate.tick(at_ms(230)), DeadManEvent::kTripped);

  gate.set_dead_man_after(milliseconds(5));
  EXPECT_EQ(gate.dead_man_after(), milliseconds(20));
  gate.set_dead_man_after(milliseconds(80));
  EXPECT_EQ(gate.dead_man_after(), milliseconds(50));
}

// Verifies: SR-39
TEST(BoardGate, AValidFrameRenewsTheDeadMan) {
  BoardGate gate = permitted_gate();
  for (std::int64_t ms = 100; ms <= 400; ms += 40) {
    gate.on_valid_frame(at_ms(ms));
    EXPECT_EQ(gate.tick(at_ms(ms + 39)), DeadManEvent::kNone);
  }
}

// Verifies: SR-39
TEST(BoardGate, TheDeadManStaysLatchedUntilClearedByCommand) {
  BoardGate gate = permitted_gate();
  ASSERT_EQ(gate.tick(at_ms(150)), DeadManEvent::kTripped);
  gate.on_valid_frame(at_ms(160));
  (void)gate.on_heartbeat(true, 1);
  EXPECT_TRUE(gate.dead_man_latched());
  EXPECT_FALSE(gate.rf_permitted());
  EXPECT_EQ(gate.admit_pulse(1, 1, at_ms(170), at_ms(160)), GateResult::kDeadManLatched);
  gate.clear_dead_man(at_ms(161));
  (void)gate.on_heartbeat(true, 1);
  EXPECT_EQ(gate.admit_pulse(1, 1, at_ms(170), at_ms(161)), GateResult::kOk);
  EXPECT_EQ(gate.tick(at_ms(210)), DeadManEvent::kNone);
  EXPECT_EQ(gate.tick(at_ms(211)), DeadManEvent::kTripped);
}

}  // namespace
}  // namespace rfneedle::hal
