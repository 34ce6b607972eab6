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
  rig.run(milliseconds(10));  // the safe state completes first: RF-active seen low
  EXPECT_TRUE(rig.core.service_reset("thermistor pair replaced", rig.now()).ok());
}

// Verifies: SR-53
TEST(Latches, ARestoredFaultNeedsAnAcknowledge) {
  Rig rig;
  ASSERT_TRUE(rig.power_on({{State::kFault, Condition::kMotorStall, Instant{}}}));
  EXPECT_EQ(rig.core.state(), State::kFault);
  // Entering the latch commanded the safe state: the withdrawal confirms on the next samples.
  rig.run(milliseconds(5));
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
  rig.core.restore({}, 41, 0, rig.now());
  EXPECT_EQ(rig.core.state(), State::kStandby);
  EXPECT_EQ(rig.core.status().last_pulse_id, 41u);
}

// Pulse IDs are monotonic per device across restarts (the daemon's SR-68 relies on this).
TEST(Latches, PulseIdsContinueFromTheLastStoredOne) {
  Rig rig;
  rig.core.restore({}, 1000, 0, rig.now());
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

// After the last relay command, is the relay commanded open? And was RF commanded off
// (an abort) after the core entered the latch?
void expect_safe_state_entered(const Rig& rig, State latch) {
  std::size_t entered = rig.sent.size();
  for (std::size_t i = 0; i < rig.sent.size(); ++i) {
    if (rig.sent[i].state == latch) {
      entered = i;
      break;
    }
  }
  ASSERT_LT(entered, rig.sent.size()) << "nothing sent in " << name(latch);
  bool abort = false;
  bool relay_open = false;
  for (std::size_t i = entered; i < rig.sent.size(); ++i) {
    const BoardCommand& c = rig.sent[i].command;
    abort = abort || std::holds_alternative<Abort>(c);
    if (std::holds_alternative<RelayOpen>(c)) relay_open = true;
    if (std::holds_alternative<RelayClose>(c)) relay_open = false;
    const auto* beat = std::get_if<Heartbeat>(&c);
    EXPECT_FALSE(beat && beat->rf_permitted);
    EXPECT_FALSE(std::holds_alternative<DeliverPulse>(c));
  }
  EXPECT_TRUE(abort);
  EXPECT_TRUE(relay_open);
  EXPECT_FALSE(rig.boards.gen.relay_closed);
  EXPECT_FALSE(rig.core.rf_permitted());
}

// Verifies: SR-51, SR-53
TEST(Latches, ARestoredFaultIsEnteredWithTheWholeSafeState) {
  Rig rig;
  ASSERT_TRUE(rig.power_on({{State::kFault, Condition::kMotorStall, Instant{}}}));
  rig.run(milliseconds(50));
  EXPECT_EQ(rig.core.state(), State::kFault);
  expect_safe_state_entered(rig, State::kFault);
}

// Verifies: SR-51, SR-53
TEST(Latches, ARestoredServiceLockIsEnteredWithTheWholeSafeState) {
  Rig rig;
  ASSERT_TRUE(rig.power_on({{State::kServiceLock, Condition::kThermistorDisagree, Instant{}}}));
  rig.run(milliseconds(50));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  expect_safe_state_entered(rig, State::kServiceLock);
}

// Verifies: SR-30, SR-51, SR-53
// A restored NeedleStuck: RF off, relay open, the motor halted, and no retraction.
TEST(Latches, ARestoredNeedleStuckHaltsTheMotorAndNeverRetracts) {
  Rig rig;
  ASSERT_TRUE(rig.power_on({{State::kNeedleStuck, Condition::kRetractionFailed, Instant{}}}));
  rig.run(milliseconds(200));
  EXPECT_EQ(rig.core.state(), State::kNeedleStuck);
  expect_safe_state_entered(rig, State::kNeedleStuck);
  bool halted = false;
  for (const Sent& s : rig.sent) {
    if (s.state != State::kNeedleStuck) continue;
    halted = halted || std::holds_alternative<HaltMotor>(s.command);
    EXPECT_FALSE(std::holds_alternative<Retract>(s.command));
  }
  EXPECT_TRUE(halted);
}

// Verifies: SR-53, SR-55
// A restored Fault and a board that is still latched at connect: the latch stays until
// the acknowledge, the relay stays open, and the acknowledge clears the board.
TEST(Latches, ARestoredFaultWithTheBoardStillLatchedClearsOnlyOnTheAcknowledge) {
  Rig rig;
  rig.boards.act.latched = board_fault::kDeadMan;
  ASSERT_TRUE(rig.power_on({{State::kFault, Condition::kActuatorTelemetryGap, Instant{}}}));
  rig.run(milliseconds(300));
  EXPECT_EQ(rig.core.state(), State::kFault);
  EXPECT_EQ(rig.boards.act.latched, board_fault::kDeadMan);
  expect_safe_state_entered(rig, State::kFault);
  ASSERT_TRUE(rig.core.acknowledge(rig.now()).ok());
  ASSERT_TRUE(rig.run_until_state(State::kStandby, seconds(5)));
  EXPECT_EQ(rig.boards.act.latched, 0u);
  EXPECT_TRUE(rig.boards.gen.relay_closed);
}

// Verifies: SR-53, SR-55
// A restored ServiceLock and a board still latched at connect (its dead-man tripped when
// the controller died): the board's latch raises a Fault first, but the restored
// ServiceLock is more severe and is the one the device stays in; an operator's
// acknowledge of the Fault never clears it.
TEST(Latches, ARestoredServiceLockWinsOverAFaultRaisedBeforeItWasApplied) {
  Rig rig;
  rig.boards.act.latched = board_fault::kDeadMan;
  ASSERT_TRUE(rig.power_on({{State::kServiceLock, Condition::kThermistorDisagree, Instant{}}}));
  rig.run(milliseconds(300));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_FALSE(rig.core.acknowledge(rig.now()).ok());
  rig.run(milliseconds(300));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kThermistorDisagree));
}

// Verifies: SR-53
// The same when the Fault came before the daemon handed the latches back.
TEST(Latches, ARestoredServiceLockHandedBackDuringAFaultIsEntered) {
  Rig rig;
  rig.boards.act.latched = board_fault::kDeadMan;
  rig.core.on_handshake(Board::kGenerator, matched_handshake(Board::kGenerator), rig.now());
  rig.core.on_handshake(Board::kActuator, matched_handshake(Board::kActuator), rig.now());
  ASSERT_TRUE(rig.run_until([&] { return is_latched(rig.core.state()); }, seconds(5)));
  ASSERT_EQ(rig.core.state(), State::kFault);
  const std::vector<LatchRecord> stored = {
      {State::kServiceLock, Condition::kThermistorDisagree, Instant{}}};
  rig.core.restore(stored, 0, 0, rig.now());
  rig.run(milliseconds(300));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_FALSE(rig.core.acknowledge(rig.now()).ok());
}

// Verifies: SR-51, SR-55, SR-65
// A board still latched at connect with nothing restored (its dead-man tripped when the
// controller died in Standby): the self-test waits for each board's first sample since
// its handshake, so the latch is that board's Fault for the operator to acknowledge,
// never taken for the self-test's own dead-man check (which would clear it, or fail and
// lock the device for a service call).
TEST(Latches, ABoardLatchedAtConnectIsAFaultEvenWhenTheSelfTestTicksBeforeItsFirstSample) {
  Rig rig;
  rig.boards.act.latched = board_fault::kDeadMan;
  rig.core.on_handshake(Board::kGenerator, matched_handshake(Board::kGenerator), rig.now());
  rig.core.on_handshake(Board::kActuator, matched_handshake(Board::kActuator), rig.now());
  rig.core.restore({}, 0, 0, rig.now());
  for (int i = 0; i < 3; ++i) {
    rig.core.tick(rig.now());  // ticks before any sample of this link session
    rig.drain();
    rig.clock.advance(microseconds(100));
  }
  ASSERT_TRUE(rig.run_until([&] { return is_latched(rig.core.state()); }, seconds(2)));
  EXPECT_EQ(rig.core.state(), State::kFault);
  EXPECT_EQ(rig.boards.act.latched, board_fault::kDeadMan);  // not cleared by the self-test
  rig.run(milliseconds(10));
  ASSERT_TRUE(rig.core.acknowledge(rig.now()).ok());
  ASSERT_TRUE(rig.run_until_state(State::kStandby, seconds(5)));
  EXPECT_EQ(rig.boards.act.latched, 0u);
}

// Verifies: SR-55, SR-65
// After a crash both boards hold their dead-man latch, and each link's telemetry starts on
// its own: here the actuator's first sample comes a few milliseconds after the
// generator's. Neither latch is the self-test's to clear: the device is in the boards'
// Fault with both latches held, the operator acknowledges it, and the self-test then
// runs again in full.
TEST(Latches, BothBoardsLatchedAtConnectStayLatchedWhenOneLinksTelemetryStartsLater) {
  for (int actuator_delay_ms = 1; actuator_delay_ms <= 12; ++actuator_delay_ms) {
    SCOPED_TRACE(actuator_delay_ms);
    Rig rig;
    rig.boards.gen.latched = board_fault::kDeadMan;
    rig.boards.act.latched = board_fault::kDeadMan;
    rig.boards.act.silent = true;
    rig.core.on_handshake(Board::kGenerator, matched_handshake(Board::kGenerator), rig.now());
    rig.core.on_handshake(Board::kActuator, matched_handshake(Board::kActuator), rig.now());
    rig.core.restore({}, 0, 0, rig.now());
    rig.drain();
    rig.run(milliseconds(actuator_delay_ms));
    rig.boards.act.silent = false;
    ASSERT_TRUE(rig.run_until([&] { return is_latched(rig.core.state()); }, seconds(2)));
    rig.run(milliseconds(10));
    EXPECT_EQ(rig.core.state(), State::kFault);
    EXPECT_FALSE(rig.raised(Condition::kSelfTestFailed));
    EXPECT_EQ(rig.boards.gen.latched, board_fault::kDeadMan);
    EXPECT_EQ(rig.boards.act.latched, board_fault::kDeadMan);
    ASSERT_TRUE(rig.core.acknowledge(rig.now()).ok());
    ASSERT_TRUE(rig.run_until_state(State::kStandby, seconds(5)));
    EXPECT_EQ(rig.core.status().self_test.passed, kSelfTestCheckCount);
    EXPECT_EQ(rig.boards.gen.latched, 0u);
    EXPECT_EQ(rig.boards.act.latched, 0u);
  }
}

// Verifies: SR-51, SR-55, SR-69
// A service lock during a pulse: the reset waits until RF is off and the needles are out,
// so the safe state completes and the pulse gets its final record.
TEST(Latches, AServiceResetWaitsUntilTheNeedlesAreWithdrawn) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.press();
  ASSERT_TRUE(rig.run_until_state(State::kEnergizing, milliseconds(100)));
  rig.run(milliseconds(5));
  HandshakeOutcome mismatched = matched_handshake(Board::kGenerator);
  mismatched.mismatch = HandshakeMismatch::kFirmwareVersion;
  rig.core.on_handshake(Board::kGenerator, mismatched, rig.now());
  rig.drain();
  ASSERT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_FALSE(rig.core.service_reset("firmware replaced", rig.now()).ok());
  rig.drain();
  rig.boards.act.release();
  rig.run(milliseconds(300));
  EXPECT_LE(rig.boards.act.position, Micrometres{100});
  ASSERT_GE(rig.records.size(), 2u);
  EXPECT_EQ(rig.records.back().outcome, PulseOutcome::kFaulted);
}

}  // namespace
}  // namespace rfneedle::core::testing
