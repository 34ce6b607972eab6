// One scenario per row of the DESIGN 4 ladder: it trips, the safe state is reached in
// order (RF off first, retraction only once RF-active is low), and it clears exactly by its
// policy. This file: warn, block, end pulse, abort pulse.
#include <gtest/gtest.h>

#include "tests/unit/core/ladder_scenarios.h"

namespace rfneedle::core::testing {
namespace {

// Verifies: SR-24
TEST(LadderWarn, SkinAt41CWarnsLowAndStillAllowsPulses) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.ramp_skin(celsius(41));
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kSkinWarm));
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kLow);
  rig.press_and_hold();
  EXPECT_EQ(rig.sent_of<DeliverPulse>().size(), 1u);
  rig.ramp_skin(MilliCelsius{40'600});  // within the hysteresis: still warm
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kSkinWarm));
  rig.ramp_skin(MilliCelsius{40'499});
  rig.run(milliseconds(2));
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kSkinWarm));
}

// Verifies: SR-25, SR-52
TEST(LadderEndPulse, SkinReaching43CDuringAPulseEndsItAndBlocksUntilBelow40C) {
  Rig rig;
  PulseParameters p = Rig::parameters();
  p.power = watts(5);
  p.duration = milliseconds(300);
  ASSERT_TRUE(rig.ready(p));
  rig.ramp_skin(MilliCelsius{42'970});
  rig.boards.act.press();
  ASSERT_TRUE(rig.run_until_state(State::kEnergizing));
  rig.run(milliseconds(10));
  rig.clear_logs();
  rig.boards.act.skin_a = celsius(43);
  rig.run(milliseconds(1));
  expect_rf_off_first(rig, false);
  rig.run(milliseconds(1));
  EXPECT_FALSE(rig.boards.gen.sample.rf_active);
  rig.boards.act.release();
  rig.run(milliseconds(200));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  EXPECT_EQ(rig.records.back().outcome, PulseOutcome::kEnded);
  EXPECT_EQ(rig.boards.motion_while_rf, 0);
  rig.ramp_skin(celsius(40));
  rig.run(milliseconds(5));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  rig.ramp_skin(MilliCelsius{39'999});
  rig.run(milliseconds(5));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

// Verifies: SR-63
TEST(LadderBlock, MissingCartridgeBlocksTheNextPulseUntilItIsBack) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.cartridge_present = false;
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kMedium);
  rig.boards.act.press();
  rig.run(milliseconds(20));
  EXPECT_TRUE(rig.sent_of<Insert>().empty());
  rig.boards.act.release();
  rig.boards.act.cartridge_present = true;
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

// Verifies: SR-63
TEST(LadderBlock, CartridgeAtItsLimitBlocksAndWithin10PercentWarns) {
  Rig rig;
  rig.boards.act.cartridge.pulse_limit = 11;
  rig.boards.act.cartridge.pulses_used = 9;  // 2 left of 11: within 10 %? 2/11 = 18 %: no
  ASSERT_TRUE(rig.ready());
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kCartridgeNearLimit));
  rig.press_and_hold();  // 1 left: 9 %
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kCartridgeNearLimit));
  rig.run(milliseconds(300));
  rig.press_and_hold();  // none left
  rig.run(milliseconds(300));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kCartridgeAtLimit));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  EXPECT_EQ(rig.sent_of<CartridgeConsume>().size(), 2u);
}

// Verifies: SR-63
TEST(LadderBlock, ExpiredCartridgeBlocks) {
  Rig rig;
  SessionRequest r = Rig::session_request();
  r.today = rig.boards.act.cartridge.expiry_day + 1;
  ASSERT_TRUE(rig.power_on());
  ASSERT_TRUE(rig.core.open_session(r, rig.now()).ok());
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  ASSERT_TRUE(rig.core.arm(rig.now()).ok());
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kCartridgeExpired));
}

// Verifies: SR-62, SR-63
// The cartridge's memory turned expired after the core last read it: the actuator refuses
// the insertion, the attempt ends without RF and without a Fault (no needle deadline runs
// out), and the memory read again names the cause: expired, medium, Paused.
TEST(LadderBlock, AnInsertionRefusedForTheCartridgeEndsTheAttemptAndReadsTheCartridgeAgain) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.cartridge.expiry_day = Rig::session_request().today - 1;
  rig.press_and_hold();
  rig.run(milliseconds(300));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kMedium);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kCartridgeExpired));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kBoardSetupRefused));
  EXPECT_FALSE(rig.raised(Condition::kNotAtDepth));
  EXPECT_EQ(rig.sent_of<Insert>().size(), 1u);
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  EXPECT_EQ(rig.sent_of<CartridgeRead>().size(), 1u);
  // The next press inserts nothing.
  rig.press_and_hold();
  EXPECT_EQ(rig.sent_of<Insert>().size(), 1u);
}

// Verifies: SR-78
TEST(LadderBlock, DisplayHeartbeatStaleFor2sBlocksUntilItResumes) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.display_live = false;  // the last heartbeat was at most 500 ms ago
  rig.run(milliseconds(1400));
  EXPECT_EQ(rig.core.state(), State::kReady);
  rig.run(milliseconds(1200));
  EXPECT_EQ(rig.core.state(), State::kPaused);
  rig.display_live = true;
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

// Verifies: SR-78
TEST(LadderBlock, AHeartbeatEchoingAnUnknownOrOldSnapshotIsNotDisplayLive) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  EXPECT_FALSE(rig.core.display_heartbeat(999'999, rig.now()).ok());
  const std::uint64_t id = rig.core.snapshot(rig.now()).snapshot_id;
  rig.display_live = false;
  rig.run(milliseconds(2100));
  EXPECT_FALSE(rig.core.display_heartbeat(id, rig.now()).ok());
}

// Verifies: SR-10
TEST(LadderAbort, OpenCircuitAtMeasurementAbortsWithoutRfAndClearsOnTheNextGoodOne) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.tissue_impedance = Ohms{1600};
  rig.press_and_hold();
  EXPECT_TRUE(rig.raised(Condition::kImpedanceOutOfWindow));
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  EXPECT_EQ(rig.core.state(), State::kReady);
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kMedium);
  rig.boards.gen.tissue_impedance = Ohms{300};
  rig.run(milliseconds(5));
  rig.press_and_hold();
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kImpedanceOutOfWindow));
  EXPECT_EQ(rig.sent_of<DeliverPulse>().size(), 1u);
}

// Verifies: SR-10
TEST(LadderAbort, ShortAtMeasurementAbortsWithoutRf) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.tissue_impedance = Ohms{20};
  rig.press_and_hold();
  EXPECT_TRUE(rig.raised(Condition::kImpedanceOutOfWindow));
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
}

// Verifies: SR-11
TEST(LadderAbort, PowerUnreachableAtTheMeasuredImpedanceAbortsWithoutRf) {
  Rig rig;
  PulseParameters p = Rig::parameters();
  p.power = watts(15);
  ASSERT_TRUE(rig.ready(p));
  rig.boards.gen.tissue_impedance = Ohms{1200};  // 150 V² / (1.4 × 1200 Ω) = 13.4 W
  rig.press_and_hold();
  EXPECT_TRUE(rig.raised(Condition::kPowerUnreachable));
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
}

// Verifies: SR-12, SR-52
TEST(LadderAbort, ContactLostDuringAPulseAbortsWithRfOffOnTheSecondSample) {
  Rig rig;
  energize(rig, 10);
  rig.boards.gen.impedance_override = Ohms{1800};
  rig.run(milliseconds(1));
  EXPECT_TRUE(rig.sent_of<Abort>().empty());
  rig.run(milliseconds(1));
  expect_rf_off_first(rig, false);
  rig.boards.act.release();
  ASSERT_TRUE(rig.run_until_state(State::kReady));
  EXPECT_EQ(rig.records.back().outcome, PulseOutcome::kAborted);
  EXPECT_EQ(rig.boards.motion_while_rf, 0);
}

// Verifies: SR-45
TEST(LadderAbort, PulseCommandRefusedByTheGeneratorAbortsThePulse) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.refuse_pulses = true;
  rig.press_and_hold();
  EXPECT_TRUE(rig.raised(Condition::kPulseRefused));
  EXPECT_EQ(rig.core.state(), State::kReady);
  // On the refusal itself, not at the pulse's own deadline later.
  ASSERT_FALSE(rig.sent_of<DeliverPulse>().empty());
  const Instant sent = rig.sent_of<DeliverPulse>().front().at;
  ASSERT_FALSE(rig.sent_of<Abort>().empty());
  EXPECT_LE(rig.sent_of<Abort>().front().at - sent, milliseconds(1));
}

// Verifies: SR-06
// The at-depth line drops while the impedance is measured (an encoder slip, the actuator
// rebooting): when the measurement is accepted the core ends that insertion and sends no
// pulse command (the fault campaign found it sent one, which the generator then refused).
TEST(LadderAbort, TheAtDepthLineDroppingDuringTheMeasurementSendsNoPulseCommand) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.answers_measurements = false;  // the test answers it, below
  rig.boards.act.press();
  ASSERT_TRUE(rig.run_until_state(State::kMeasuring));
  ASSERT_FALSE(rig.sent_of<MeasureImpedance>().empty());
  rig.boards.act.at_depth_line_dead = true;
  rig.run(milliseconds(1));
  CommandResult answer;
  answer.kind = kind_of<MeasureImpedance>;
  answer.code = CommandResultCode::kOk;
  answer.sequence =
      std::get<MeasureImpedance>(rig.sent_of<MeasureImpedance>().back().command).sequence;
  const Ohms z = rig.boards.gen.tissue_impedance;
  answer.impedance = ImpedanceReading{z, z, z, 5};
  rig.core.on_command_result(answer, rig.now());
  rig.drain();
  EXPECT_TRUE(rig.raised(Condition::kAtDepthLost));
  EXPECT_NE(rig.core.state(), State::kMeasuring);
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
}

// Verifies: SR-10
// A measurement the generator never answers aborts the pulse 50 ms after it was asked
// for, without RF.
TEST(LadderAbort, AMeasurementUnansweredFor50msAbortsWithoutRf) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.answers_measurements = false;
  rig.boards.act.press();
  ASSERT_TRUE(rig.run_until_state(State::kMeasuring));
  const Instant asked = rig.sent_of<MeasureImpedance>().front().at;
  rig.run_until([&] { return rig.now() >= asked + milliseconds(50); });
  EXPECT_EQ(rig.core.state(), State::kMeasuring);
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.raised(Condition::kPulseRefused));
  EXPECT_NE(rig.core.state(), State::kMeasuring);
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
}

// Verifies: SR-14
// 300 Ω minimum: 420 Ω (exactly 40 % above) goes on, 421 Ω ends the pulse.
TEST(LadderEndPulse, DesiccationIsMoreThan40PercentAboveThePulseMinimum) {
  for (const auto& [ohm, ends] : {std::pair{420, false}, std::pair{421, true}}) {
    Rig rig;
    energize(rig, 10);
    rig.boards.gen.impedance_override = Ohms{ohm};
    rig.run(milliseconds(2));
    EXPECT_EQ(rig.core.state() != State::kEnergizing, ends) << ohm;
    EXPECT_EQ(rig.raised(Condition::kDesiccation), ends) << ohm;
  }
}

// Verifies: SR-14
TEST(LadderEndPulse, DesiccationEndsThePulseWithoutAFault) {
  Rig rig;
  energize(rig, 10);
  rig.boards.gen.impedance_override = Ohms{430};  // 300 Ω minimum: +43 %
  rig.run(milliseconds(1));
  expect_rf_off_first(rig, false);
  rig.boards.act.release();
  ASSERT_TRUE(rig.run_until_state(State::kReady));
  EXPECT_EQ(rig.records.back().outcome, PulseOutcome::kEnded);
  EXPECT_EQ(rig.records.back().cause, Condition::kDesiccation);
}

}  // namespace
}  // namespace rfneedle::core::testing
