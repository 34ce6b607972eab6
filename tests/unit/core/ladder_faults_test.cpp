// One scenario per row of the DESIGN 4 ladder: it trips, the safe state is reached in
// order (RF off first, retraction only once RF-active is low), and it clears exactly by its
// policy. This file: fault, needle stuck, service lock.
#include <gtest/gtest.h>

#include "tests/unit/core/ladder_scenarios.h"

namespace rfneedle::core::testing {
namespace {

// Verifies: SR-13, SR-51, SR-52, SR-55
TEST(LadderFault, ShortDuringAPulseFaultsOpensTheRelayAndRetractsAfterRfDrops) {
  Rig rig;
  energize(rig, 10);
  rig.boards.gen.impedance_override = Ohms{10};
  rig.run(milliseconds(2));
  expect_rf_off_first(rig, true);
  ASSERT_TRUE(rig.run_until([&] { return !rig.sent_of<Retract>().empty(); }));
  expect_fault_then_acknowledge(rig, Condition::kShortCircuit, [] {});
  EXPECT_EQ(rig.records.back().outcome, PulseOutcome::kFaulted);
}

// Verifies: SR-51, SR-55
TEST(LadderFault, AfterAnAcknowledgeTheRelayClosesAndTreatmentCanResume) {
  Rig rig;
  energize(rig, 10);
  rig.boards.gen.impedance_override = Ohms{10};
  rig.run(milliseconds(2));
  EXPECT_FALSE(rig.boards.gen.relay_closed);
  rig.boards.gen.impedance_override.reset();
  expect_fault_then_acknowledge(rig, Condition::kShortCircuit, [] {});
  EXPECT_TRUE(rig.boards.gen.relay_closed);
  ASSERT_TRUE(rig.core.arm(rig.now()).ok());
  rig.run(milliseconds(300));
  rig.press_and_hold();
  EXPECT_EQ(rig.records.back().outcome, PulseOutcome::kCompleted);
}

// Verifies: SR-15, SR-52
TEST(LadderFault, PowerOffSetPointFaults) {
  Rig rig;
  energize(rig, 0);
  rig.boards.gen.power_override = watts(7);
  rig.run(milliseconds(12));
  expect_fault_then_acknowledge(rig, Condition::kPowerDeviation,
                                [&] { rig.boards.gen.power_override.reset(); });
}

// Verifies: SR-15
// 10 W set: 8.000 W and 12.000 W (20 % off) are on the set-point for the whole pulse;
// 7.999 W and 12.001 W fault, after more than 5 ms and not at 5 ms.
TEST(LadderFault, PowerOffSetPointBoundaryIs20PercentFor5ms) {
  for (const int mw : {8'000, 12'000}) {
    Rig rig;
    energize(rig, 5);
    rig.boards.gen.power_override = Milliwatts{mw};
    ASSERT_TRUE(rig.run_until([&] { return rig.core.state() != State::kEnergizing; }));
    // (12 W for the whole pulse is 120 % of the planned energy: that check's own fault.)
    EXPECT_FALSE(rig.raised(Condition::kPowerDeviation)) << mw;
  }
  for (const int mw : {7'999, 12'001}) {
    Rig rig;
    energize(rig, 5);
    rig.boards.gen.power_override = Milliwatts{mw};
    // The first sample off the set-point is the onset; 5 ms later it is not yet a fault.
    rig.run(milliseconds(6));
    EXPECT_FALSE(rig.raised(Condition::kPowerDeviation)) << mw;
    rig.run(milliseconds(1));
    EXPECT_TRUE(rig.raised(Condition::kPowerDeviation)) << mw;
    EXPECT_EQ(rig.core.state(), State::kFault) << mw;
  }
}

// Verifies: SR-16, SR-52
TEST(LadderFault, EnergyOver110PercentOfPlanFaults) {
  Rig rig;
  PulseParameters p = Rig::parameters();
  p.duration = milliseconds(20);
  energize(rig, 0, p);
  rig.boards.gen.power_override = watts(12);  // within 20 %, but 120 % of the energy
  rig.boards.gen.stuck_on = true;
  rig.run(milliseconds(25));
  EXPECT_TRUE(rig.raised(Condition::kEnergyOverrun));
  expect_fault_then_acknowledge(rig, Condition::kEnergyOverrun, [&] { rig.boards.gen.repair(); });
}

// Verifies: SR-21
TEST(LadderFault, RfMeasuredOnForTwoSamplesWhenNotCommandedFaultsAndOpensTheRelay) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.stuck_on = true;
  rig.boards.gen.pulse = DeliverPulse{0, watts(5), seconds(10), millijoules(1), 0, 0};
  rig.run(milliseconds(1));
  EXPECT_FALSE(rig.raised(Condition::kRfUncommanded));
  rig.run(milliseconds(1));
  EXPECT_TRUE(rig.raised(Condition::kRfUncommanded));
  expect_rf_off_first(rig, true);
  rig.run(milliseconds(2));
  EXPECT_FALSE(rig.boards.gen.sample.rf_active);  // the relay opened
  expect_fault_then_acknowledge(rig, Condition::kRfUncommanded, [&] { rig.boards.gen.repair(); });
}

// Verifies: SR-22
TEST(LadderFault, RfActiveStill5msAfterRfOffOpensTheRelayAndFaults) {
  Rig rig;
  energize(rig, 10);
  rig.boards.gen.stuck_on = true;
  rig.boards.act.release();  // ends the pulse: RF off commanded, but it stays on
  rig.run(milliseconds(1));
  ASSERT_FALSE(rig.sent_of<Abort>().empty());
  const Instant off = rig.sent_of<Abort>().front().at;
  EXPECT_TRUE(rig.sent_of<RelayOpen>().empty());
  rig.run_until([&] { return !rig.sent_of<RelayOpen>().empty(); }, milliseconds(20));
  ASSERT_FALSE(rig.sent_of<RelayOpen>().empty());
  EXPECT_EQ(rig.sent_of<RelayOpen>().front().at - off, milliseconds(5));
  EXPECT_TRUE(rig.raised(Condition::kRfStillActive));
  expect_fault_then_acknowledge(rig, Condition::kRfStillActive, [&] { rig.boards.gen.repair(); });
}

// Verifies: SR-40, SR-52
TEST(LadderFault, GeneratorTelemetryGapOver2msWhileEnergizingFaults) {
  Rig rig;
  energize(rig, 10);
  rig.boards.gen.silent = true;
  rig.run(milliseconds(2));
  EXPECT_FALSE(rig.raised(Condition::kGeneratorTelemetryGap));
  rig.run(milliseconds(1));
  EXPECT_TRUE(rig.raised(Condition::kGeneratorTelemetryGap));
  expect_rf_off_first(rig, true);
  expect_fault_then_acknowledge(rig, Condition::kGeneratorTelemetryGap,
                                [&] { rig.boards.gen.silent = false; });
}

// Verifies: SR-40
TEST(LadderFault, ActuatorTelemetryGapOver20msOutsideAPulseFaults) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.silent = true;
  rig.run(milliseconds(20));
  EXPECT_FALSE(rig.raised(Condition::kActuatorTelemetryGap));
  rig.run(milliseconds(1));
  EXPECT_TRUE(rig.raised(Condition::kActuatorTelemetryGap));
  expect_fault_then_acknowledge(rig, Condition::kActuatorTelemetryGap,
                                [&] { rig.boards.act.silent = false; });
}

// Verifies: SR-40
TEST(LadderFault, SampleCounterJumpOfMoreThan2msWhileEnergizingIsAGap) {
  Rig rig;
  energize(rig, 10);
  rig.boards.gen.sample.sample_counter += 3;
  rig.run(milliseconds(1));
  EXPECT_TRUE(rig.raised(Condition::kGeneratorTelemetryGap));
}

// Verifies: SR-40
TEST(LadderFault, SampleCounterWrappingAt2To32IsNotAGap) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.sample.sample_counter = 0xFFFF'FFFEu;
  rig.run(milliseconds(5));
  EXPECT_FALSE(rig.raised(Condition::kGeneratorTelemetryGap));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

// Verifies: SR-57
TEST(LadderFault, TelemetryOutsideItsDocumentedRangeIsAFaultNotClear) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.encoder_slip = Micrometres{-2'001};
  rig.boards.act.speed_per_ms = Micrometres{0};
  rig.run(milliseconds(1));
  EXPECT_TRUE(rig.raised(Condition::kTelemetryImplausible));
  EXPECT_EQ(rig.core.state(), State::kFault);
  expect_fault_then_acknowledge(rig, Condition::kTelemetryImplausible,
                                [&] { rig.boards.act.encoder_slip = Micrometres{0}; });
}

// Verifies: SR-57
// The generator's impedance field documents 0-65535 ohm: the top is a reading, above it
// the sample cannot be trusted.
TEST(LadderFault, GeneratorTelemetryOutsideItsRangeIsAFault) {
  for (const auto& [ohm, faults] : {std::pair{65'535, false}, std::pair{65'536, true}}) {
    Rig rig;
    ASSERT_TRUE(rig.ready());
    rig.boards.gen.open_impedance = Ohms{ohm};
    rig.run(milliseconds(2));
    EXPECT_EQ(rig.raised(Condition::kTelemetryImplausible), faults) << ohm;
    EXPECT_EQ(rig.core.state(), faults ? State::kFault : State::kReady) << ohm;
  }
}

// Verifies: SR-55, SR-57
// The cause is gone only if both boards just said so: 3 ms of generator silence (below the
// 20 ms gap) and the acknowledge waits; a handshake is no telemetry either.
TEST(LadderFault, AnAcknowledgeNeedsFreshTelemetryFromBothBoards) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.heatsink = celsius(80);
  rig.run(milliseconds(2));
  ASSERT_EQ(rig.core.state(), State::kFault);
  rig.boards.gen.heatsink = celsius(40);
  rig.run(milliseconds(200));
  rig.boards.gen.silent = true;
  rig.run(milliseconds(3));
  EXPECT_FALSE(rig.core.acknowledge(rig.now()).ok());
  rig.core.on_handshake(Board::kGenerator, matched_handshake(Board::kGenerator), rig.now());
  EXPECT_FALSE(rig.core.acknowledge(rig.now()).ok());
  rig.boards.gen.silent = false;
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.core.acknowledge(rig.now()).ok());
  rig.run(milliseconds(5));
  EXPECT_EQ(rig.core.state(), State::kStandby);
}

// Verifies: SR-33
TEST(LadderFault, LinkFaultFaultsUntilTheLinkIsBack) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.core.on_link_fault(Board::kActuator, rig.now());
  rig.drain();
  expect_fault_then_acknowledge(rig, Condition::kLinkFault, [&] {
    rig.core.on_handshake(Board::kActuator, matched_handshake(Board::kActuator), rig.now());
  });
}

// Verifies: SR-29
TEST(LadderFault, NeedlesNotAtDepthWithin150msFaultWithoutMeasurementOrRf) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.speed_per_ms = Micrometres{10};  // 2.0 mm takes 200 ms
  rig.boards.act.press();
  rig.run(milliseconds(151));
  EXPECT_FALSE(rig.raised(Condition::kNotAtDepth));
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.raised(Condition::kNotAtDepth));
  EXPECT_TRUE(rig.sent_of<MeasureImpedance>().empty());
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  rig.boards.act.speed_per_ms = Micrometres{200};
  expect_fault_then_acknowledge(rig, Condition::kNotAtDepth, [] {});
}

// Verifies: SR-30
TEST(LadderNeedleStuck, RetractionFailingThreeTimesIsNeedleStuckWithTheMotorHalted) {
  Rig rig;
  energize(rig, 10);
  rig.boards.act.jammed = true;
  rig.boards.act.release();
  rig.run(milliseconds(160));
  EXPECT_TRUE(rig.raised(Condition::kNotRetracted));
  EXPECT_EQ(rig.core.state(), State::kFault);
  rig.run(milliseconds(400));
  EXPECT_EQ(rig.core.state(), State::kNeedleStuck);
  EXPECT_EQ(rig.sent_of<Retract>().size(), 3u);
  EXPECT_FALSE(rig.sent_of<HaltMotor>().empty());
  EXPECT_FALSE(rig.core.acknowledge(rig.now()).ok());
  EXPECT_FALSE(rig.core.service_reset("", rig.now()).ok());
  EXPECT_TRUE(rig.core.service_reset("handpiece removed per manual", rig.now()).ok());
  EXPECT_EQ(rig.core.state(), State::kStandby);
}

// Verifies: SR-31
TEST(LadderFault, EncoderAndMotorDisagreeingFor10msFaults) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.encoder_slip = Micrometres{101};
  rig.run(milliseconds(11));
  EXPECT_FALSE(rig.raised(Condition::kEncoderMismatch));
  rig.run(milliseconds(1));
  EXPECT_TRUE(rig.raised(Condition::kEncoderMismatch));
  expect_fault_then_acknowledge(rig, Condition::kEncoderMismatch,
                                [&] { rig.boards.act.encoder_slip = Micrometres{0}; });
}

// Verifies: SR-31
TEST(LadderFault, MotorStallFaults) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.stalled = true;
  rig.boards.act.press();
  rig.run(milliseconds(3));
  EXPECT_TRUE(rig.raised(Condition::kMotorStall));
  expect_fault_then_acknowledge(rig, Condition::kMotorStall,
                                [&] { rig.boards.act.stalled = false; });
}

// Verifies: SR-50, SR-56
// Both boards latch FAULT_ESTOP as the firmware does: four E-stops in one session are four
// operator-caused faults, each cleared by an acknowledge once released, never a lock.
TEST(LadderFault, EStopFaultsClearsOnlyWhenReleasedAndNeverEscalates) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  for (int i = 0; i < 4; ++i) {
    rig.boards.set_estop(true);
    rig.run(milliseconds(2));
    EXPECT_EQ(rig.boards.gen.latched, board_fault::kEStop);
    EXPECT_EQ(rig.boards.act.latched, board_fault::kEStop);
    EXPECT_FALSE(rig.boards.gen.relay_closed);
    expect_fault_then_acknowledge(rig, Condition::kEStop, [&] { rig.boards.set_estop(false); });
    EXPECT_EQ(rig.boards.gen.latched, 0u) << i;
    EXPECT_EQ(rig.boards.act.latched, 0u) << i;
    EXPECT_TRUE(rig.boards.gen.relay_closed) << i;
    ASSERT_EQ(rig.core.state(), State::kStandby) << i;
  }
  for (std::size_t c = 0; c < kConditionCount; ++c) {
    EXPECT_EQ(rig.core.status().counters.faults_this_session[c], 0)
        << spec(static_cast<Condition>(c)).name;
  }
}

// Verifies: SR-46
TEST(LadderFault, TriggerContactsDisagreeingFor20msFault) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.trigger_a = true;
  rig.run(milliseconds(21));
  EXPECT_FALSE(rig.raised(Condition::kTriggerDisagree));
  rig.run(milliseconds(1));
  EXPECT_TRUE(rig.raised(Condition::kTriggerDisagree));
  expect_fault_then_acknowledge(rig, Condition::kTriggerDisagree,
                                [&] { rig.boards.act.trigger_a = false; });
}

// Verifies: SR-26
TEST(LadderFault, SkinAt45CFaults) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.ramp_skin(MilliCelsius{44'999});
  EXPECT_EQ(rig.core.state(), State::kPaused);
  rig.ramp_skin(celsius(45));
  rig.run(milliseconds(1));
  expect_fault_then_acknowledge(rig, Condition::kSkinOverheat, [&] { rig.ramp_skin(celsius(39)); });
}

// Verifies: SR-27
TEST(LadderFault, HeatsinkWarnsAt60CAndFaultsAt75C) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.heatsink = celsius(60);
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kHeatsinkWarm));
  EXPECT_EQ(rig.core.state(), State::kReady);
  // The warning clears only below 59.5 degC (its hysteresis).
  rig.boards.gen.heatsink = MilliCelsius{59'600};
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kHeatsinkWarm));
  rig.boards.gen.heatsink = MilliCelsius{59'499};
  rig.run(milliseconds(2));
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kHeatsinkWarm));
  rig.boards.gen.heatsink = celsius(60);
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kHeatsinkWarm));
  rig.boards.gen.heatsink = MilliCelsius{74'999};
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kReady);
  rig.boards.gen.heatsink = celsius(75);
  rig.run(milliseconds(1));
  expect_fault_then_acknowledge(rig, Condition::kHeatsinkOverheat,
                                [&] { rig.boards.gen.heatsink = celsius(50); });
}

// Verifies: SR-45, SR-55
TEST(LadderFault, BoardLatchFaultsAndAcknowledgeClearsTheBoardsLatch) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.latched = board_fault::kOverTemperature;
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kFault);
  // The heatsink cut-off is the heatsink's condition, whoever saw it first.
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kHeatsinkOverheat));
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kBoardFault));
  rig.run(milliseconds(50));
  EXPECT_TRUE(rig.sent_of<ClearLatchedFault>().empty());
  EXPECT_TRUE(rig.core.acknowledge(rig.now()).ok());
  rig.drain();
  ASSERT_EQ(rig.sent_of<ClearLatchedFault>().size(), 1u);
  const auto clear = std::get<ClearLatchedFault>(rig.sent_of<ClearLatchedFault>()[0].command);
  EXPECT_EQ(clear.board, Board::kGenerator);
  EXPECT_EQ(clear.mask, board_fault::kOverTemperature);
  rig.run(milliseconds(5));
  EXPECT_EQ(rig.core.state(), State::kStandby);
}

// Verifies: SR-39, SR-45, SR-56
// The board's dead-man is its own kind: three in a session lock the device (unlike the
// E-stop above, which the firmware latches just the same).
TEST(LadderServiceLock, ThreeBoardDeadManLatchesInASessionLock) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  for (int i = 0; i < 3; ++i) {
    rig.boards.gen.deaf = true;
    ASSERT_TRUE(rig.run_until([&] { return rig.boards.gen.latched != 0; }, milliseconds(100)));
    rig.boards.gen.deaf = false;
    rig.run(milliseconds(2));
    EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kBoardDeadMan)) << i;
    EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kBoardFault)) << i;
    if (i == 2) break;
    expect_board_latch_fault_then_acknowledge(rig, Condition::kBoardDeadMan);
    EXPECT_EQ(rig.boards.gen.latched, 0u);
  }
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kRepeatedFault));
}

// Verifies: SR-45, SR-50, SR-56
// A board event reporting the E-stop latch is the E-stop, not a counted board fault.
TEST(LadderFault, AnEStopBoardEventIsTheOperatorCausedEStop) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  for (int i = 0; i < 3; ++i) {
    rig.core.on_board_event(BoardEvent{Board::kActuator, 2}, rig.now());  // FAULT_ESTOP
    rig.drain();
    EXPECT_EQ(rig.core.state(), State::kFault) << i;
    EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kEStop)) << i;
    rig.run(milliseconds(10));
    ASSERT_TRUE(rig.core.acknowledge(rig.now()).ok()) << i;
    rig.run(milliseconds(5));
    ASSERT_EQ(rig.core.state(), State::kStandby) << i;
  }
  EXPECT_EQ(rig.core.status().counters.faults_this_session[index(Condition::kEStop)], 0);
}

// Verifies: SR-18, SR-45
// The generator's own 1000 ms conduction cap: a board whose duration timer failed stops at
// 1000 ms and latches FAULT_PULSE_TIME_CAP, which the core takes as a fault.
TEST(LadderFault, TheGeneratorsPulseTimeCapLatchIsAFault) {
  Rig rig;
  PulseParameters p = Rig::parameters();
  p.power = watts(1);
  p.duration = milliseconds(1000);  // 1 J, within the energy cap
  energize(rig, 0, p);
  rig.boards.gen.duration_timer_broken = true;
  rig.run(milliseconds(990));
  EXPECT_EQ(rig.core.state(), State::kEnergizing);
  ASSERT_TRUE(rig.run_until_state(State::kFault, milliseconds(20)));
  EXPECT_EQ(rig.boards.gen.latched, board_fault::kPulseTimeCap);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kPulseTimeCap));
  expect_board_latch_fault_then_acknowledge(rig, Condition::kPulseTimeCap);
  EXPECT_EQ(rig.boards.gen.latched, 0u);
}

// Verifies: SR-28, SR-55
TEST(LadderServiceLock, ThermistorOutOfRangeLocksUntilAServiceResetWithAReason) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.skin_b = celsius(4);
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_FALSE(rig.sent_of<RelayOpen>().empty());
  EXPECT_FALSE(rig.core.acknowledge(rig.now()).ok());
  EXPECT_FALSE(rig.core.service_reset("replaced thermistor", rig.now()).ok());
  rig.boards.act.skin_b = celsius(32);
  rig.run(milliseconds(200));  // past the rate window of the step back
  EXPECT_FALSE(rig.core.service_reset("", rig.now()).ok());
  EXPECT_TRUE(rig.core.service_reset("replaced thermistor", rig.now()).ok());
  EXPECT_EQ(rig.core.state(), State::kStandby);
  rig.drain();
  EXPECT_EQ(rig.latches.back().state, State::kStandby);
}

// Verifies: SR-41
TEST(LadderServiceLock, HandshakeMismatchLocksAndNeverArms) {
  Rig rig;
  rig.core.on_handshake(Board::kGenerator, HandshakeOutcome{HandshakeMismatch::kProtoHash},
                        rig.now());
  rig.drain();
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_FALSE(rig.core.arm(rig.now()).ok());
}

// Verifies: SR-56
TEST(LadderServiceLock, ThirdFaultOfOneKindInASessionLocks) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  for (int i = 0; i < 2; ++i) {
    rig.boards.gen.heatsink = celsius(76);
    rig.run(milliseconds(2));
    expect_fault_then_acknowledge(rig, Condition::kHeatsinkOverheat,
                                  [&] { rig.boards.gen.heatsink = celsius(50); });
  }
  rig.boards.gen.heatsink = celsius(76);
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kRepeatedFault));
}

// Verifies: SR-84
// The fake thermistors never move: after three 1 J pulses (3 J, the default) they have
// been unchanged for 3 s, and one more millisecond is a stuck pair.
TEST(LadderServiceLock, BothThermistorsUnchangedFor3sAfter3JAreStuck) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  for (int i = 0; i < 3; ++i) {
    rig.press_and_hold();
    rig.run(milliseconds(300));
  }
  ASSERT_EQ(rig.core.status().counters.pulses_delivered, 3u);
  Instant third_end{};
  for (const CoreEvent& e : rig.events) {
    if (e.kind == EventKind::kPulseEnded) third_end = e.at;
  }
  rig.run_until([&] { return rig.now() >= third_end + milliseconds(3000); }, seconds(4));
  EXPECT_EQ(rig.core.state(), State::kReady);
  rig.run(milliseconds(1));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.raised(Condition::kThermistorStuck));
}

// Verifies: SR-84
// Just inside the energy: 2.999 J delivered, then the pair unchanged for a long time.
TEST(LadderServiceLock, ThermistorsUnchangedAfterLessThan3JAreNotStuck) {
  Rig rig;
  PulseParameters p = Rig::parameters();
  p.power = Milliwatts{9'997};  // 3 x 999.7 mJ = 2.9991 J
  ASSERT_TRUE(rig.ready(p));
  for (int i = 0; i < 3; ++i) {
    rig.press_and_hold();
    rig.run(milliseconds(300));
  }
  ASSERT_EQ(rig.core.status().counters.pulses_delivered, 3u);
  rig.run(seconds(10));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

// Verifies: SR-84
// A live pair: one LSB (1 m°C) of change restarts both counts.
TEST(LadderServiceLock, AThermistorMovingByOneLsbIsNotStuck) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  for (int i = 0; i < 3; ++i) {
    rig.press_and_hold();
    rig.run(milliseconds(300));
  }
  // 2.7 s after the third pulse (3 s would be the limit), B moves by 1 m°C.
  rig.run(milliseconds(2400));
  rig.boards.act.skin_b += MilliCelsius{1};
  rig.run(seconds(10));
  EXPECT_EQ(rig.core.state(), State::kReady);
  // From then on it takes 3 J more: two pulses are not enough.
  for (int i = 0; i < 2; ++i) {
    rig.press_and_hold();
    rig.run(milliseconds(300));
  }
  rig.run(seconds(10));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

// Verifies: SR-28
// Both thermistors leaving 5 °C at a plausible rate: only the range check sees it.
TEST(LadderServiceLock, AThermistorBelow5CIsOutOfRangeAt5CIsNot) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.ramp_skin(celsius(5));
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kReady);
  rig.ramp_skin(MilliCelsius{4'999});
  rig.run(milliseconds(1));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.raised(Condition::kThermistorOutOfRange));
  EXPECT_FALSE(rig.raised(Condition::kThermistorRate));
  EXPECT_FALSE(rig.raised(Condition::kThermistorDisagree));
}

// Verifies: SR-28
TEST(LadderServiceLock, AThermistorAbove90CIsOutOfRangeAt90CIsNot) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.ramp_skin(celsius(90));
  rig.run(milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kFault);  // skin >= 45 °C
  EXPECT_FALSE(rig.raised(Condition::kThermistorOutOfRange));
  rig.ramp_skin(MilliCelsius{90'001});
  rig.run(milliseconds(1));
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  EXPECT_TRUE(rig.raised(Condition::kThermistorOutOfRange));
  EXPECT_FALSE(rig.raised(Condition::kThermistorRate));
}

// Verifies: SR-28
// A step of both thermistors: 5.000 °C within the 100 ms window is plausible, 5.001 °C is
// not, up or down.
TEST(LadderServiceLock, ThermistorsChangingMoreThan5CIn100msLock) {
  for (const int sign : {1, -1}) {
    for (const auto& [step, locks] : {std::pair{5'000, false}, std::pair{5'001, true}}) {
      Rig rig;
      ASSERT_TRUE(rig.ready());
      rig.boards.act.skin_a += MilliCelsius{sign * step};
      rig.boards.act.skin_b += MilliCelsius{sign * step};
      rig.run(milliseconds(300));
      EXPECT_EQ(rig.core.state(), locks ? State::kServiceLock : State::kReady) << sign * step;
      EXPECT_EQ(rig.raised(Condition::kThermistorRate), locks) << sign * step;
      EXPECT_FALSE(rig.raised(Condition::kThermistorDisagree));
    }
  }
}

// Verifies: SR-28
// The pair 3.001 °C apart locks after more than 500 ms; 3.000 °C apart never.
TEST(LadderServiceLock, ThermistorsDisagreeingBy3CFor500msLock) {
  for (const auto& [apart, locks] : {std::pair{3'000, false}, std::pair{3'001, true}}) {
    Rig rig;
    ASSERT_TRUE(rig.ready());
    // B alone moves, at a plausible rate, to `apart` above A.
    const MilliCelsius target = rig.boards.act.skin_a + MilliCelsius{apart};
    while (rig.boards.act.skin_b < target) {
      rig.boards.act.skin_b = std::min(rig.boards.act.skin_b + MilliCelsius{30}, target);
      rig.run(milliseconds(1));
    }
    rig.run(milliseconds(499));
    EXPECT_EQ(rig.core.state(), State::kReady) << apart;
    rig.run(milliseconds(2));
    EXPECT_EQ(rig.core.state(), locks ? State::kServiceLock : State::kReady) << apart;
    EXPECT_EQ(rig.raised(Condition::kThermistorDisagree), locks) << apart;
    EXPECT_FALSE(rig.raised(Condition::kThermistorRate));
    rig.run(seconds(2));
    EXPECT_EQ(rig.core.state(), locks ? State::kServiceLock : State::kReady) << apart;
  }
}

// Verifies: SR-05, SR-29
// The encoder reads the depth but the at-depth line never rises: the core stays in
// Inserting (no measurement, no RF) until the 150 ms deadline faults.
TEST(LadderFault, NeedlesAtDepthByEncoderButWithoutTheLineNeverLeaveInserting) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.at_depth_line_dead = true;
  rig.boards.act.press();
  rig.run(milliseconds(100));
  EXPECT_EQ(rig.boards.act.sample.encoder_position, Rig::parameters().depth);
  EXPECT_EQ(rig.core.state(), State::kInserting);
  rig.run(milliseconds(60));
  EXPECT_TRUE(rig.raised(Condition::kNotAtDepth));
  EXPECT_TRUE(rig.sent_of<MeasureImpedance>().empty());
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  EXPECT_EQ(rig.core.state(), State::kFault);
}

// Verifies: SR-56
// The count itself: STOPs during pulses and E-stops (latched by the boards) never count;
// two heatsink faults between them leave the device usable, the third locks it.
TEST(LadderServiceLock, StopAndEStopAreLeftOutOfTheCountOtherFaultsAreNot) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  auto heatsink_fault = [&] {
    rig.boards.gen.heatsink = celsius(76);
    rig.run(milliseconds(2));
  };
  for (int i = 0; i < 3; ++i) {
    rig.boards.act.press();
    ASSERT_TRUE(rig.run_until_state(State::kEnergizing));
    (void)rig.core.stop(rig.now());
    rig.boards.act.release();
    ASSERT_TRUE(rig.run_until_state(State::kStandby));
    rig.boards.set_estop(true);
    rig.run(milliseconds(2));
    expect_fault_then_acknowledge(rig, Condition::kEStop, [&] { rig.boards.set_estop(false); });
    if (i < 2) {
      heatsink_fault();
      expect_fault_then_acknowledge(rig, Condition::kHeatsinkOverheat,
                                    [&] { rig.boards.gen.heatsink = celsius(50); });
    }
    ASSERT_TRUE(rig.core.arm(rig.now()).ok()) << i;
    rig.run(milliseconds(300));
  }
  EXPECT_EQ(rig.core.status().counters.faults_this_session[index(Condition::kEStop)], 0);
  EXPECT_EQ(rig.core.status().counters.faults_this_session[index(Condition::kHeatsinkOverheat)], 2);
  EXPECT_EQ(rig.core.state(), State::kReady);
  heatsink_fault();
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
}

// Verifies: SR-27
TEST(LadderWarnBoundary, HeatsinkBelow60CDoesNotWarn) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.gen.heatsink = MilliCelsius{59'999};
  rig.run(milliseconds(2));
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kHeatsinkWarm));
}

// Verifies: SR-31
// 0.100 mm apart for as long as it lasts is within tolerance; 0.101 mm faults (above).
TEST(LadderFault, EncoderAndMotor100umApartIsNotAMismatch) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.boards.act.encoder_slip = Micrometres{100};
  rig.run(milliseconds(100));
  EXPECT_FALSE(rig.raised(Condition::kEncoderMismatch));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

}  // namespace
}  // namespace rfneedle::core::testing
