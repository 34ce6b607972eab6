// The ladder as data and its arbitration: most severe wins, each clear policy holds.
#include <gtest/gtest.h>

#include <map>

#include "controller/core/board_latches.h"
#include "controller/core/interlocks.h"
#include "controller/core/telemetry.h"

namespace rfneedle::core {
namespace {

const Instant t0{};

// DESIGN 4's table, written here independently of ladder.cpp: each cause's rung.
const std::map<Condition, Action>& design_rungs() {
  using C = Condition;
  using A = Action;
  static const std::map<Condition, Action> rungs = {
      {C::kSkinWarm, A::kWarn},
      {C::kCartridgeNearLimit, A::kWarn},
      {C::kHeatsinkWarm, A::kWarn},
      {C::kSkinHot, A::kBlockNextPulse},
      {C::kCartridgeMissing, A::kBlockNextPulse},
      {C::kCartridgeExpired, A::kBlockNextPulse},
      {C::kCartridgeAtLimit, A::kBlockNextPulse},
      {C::kDisplayStale, A::kBlockNextPulse},
      {C::kBoardSetupRefused, A::kBlockNextPulse},
      {C::kStoreFailed, A::kBlockNextPulse},
      {C::kClockBehindRecords, A::kBlockNextPulse},
      {C::kInterPulseInterval, A::kWait},
      {C::kRecordNotStored, A::kWait},
      {C::kBoardSetupPending, A::kWait},
      {C::kPulseIdNotReserved, A::kWait},
      {C::kDesiccation, A::kEndPulse},
      {C::kSkinHotDuringPulse, A::kEndPulse},
      {C::kTriggerReleased, A::kEndPulse},
      {C::kImpedanceOutOfWindow, A::kAbortPulse},
      {C::kPowerUnreachable, A::kAbortPulse},
      {C::kContactLost, A::kAbortPulse},
      {C::kPulseRefused, A::kAbortPulse},
      {C::kShortCircuit, A::kFault},
      {C::kPowerDeviation, A::kFault},
      {C::kEnergyOverrun, A::kFault},
      {C::kRfUncommanded, A::kFault},
      {C::kRfStillActive, A::kFault},
      {C::kGeneratorTelemetryGap, A::kFault},
      {C::kActuatorTelemetryGap, A::kFault},
      {C::kLinkFault, A::kFault},
      {C::kNotAtDepth, A::kFault},
      {C::kNotRetracted, A::kFault},
      {C::kEncoderMismatch, A::kFault},
      {C::kMotorStall, A::kFault},
      {C::kEStop, A::kFault},
      {C::kTriggerDisagree, A::kFault},
      {C::kSkinOverheat, A::kFault},
      {C::kHeatsinkOverheat, A::kFault},
      {C::kBoardFault, A::kFault},
      {C::kTelemetryImplausible, A::kFault},
      {C::kBoardDeadMan, A::kFault},
      {C::kPulseTimeCap, A::kFault},
      {C::kAtDepthLost, A::kFault},
      {C::kRelayFault, A::kFault},
      {C::kRetractionFailed, A::kNeedleStuck},
      {C::kThermistorOutOfRange, A::kServiceLock},
      {C::kThermistorRate, A::kServiceLock},
      {C::kThermistorDisagree, A::kServiceLock},
      {C::kThermistorStuck, A::kServiceLock},
      {C::kHandshakeMismatch, A::kServiceLock},
      {C::kSelfTestFailed, A::kServiceLock},
      {C::kRepeatedFault, A::kServiceLock},
      {C::kInternalInvariant, A::kServiceLock},
      {C::kStoreUnusable, A::kServiceLock},
  };
  return rungs;
}

// Verifies: SR-58
TEST(Ladder, EveryConditionIsOnItsDesignRungWithThatRungsPriorityAndClearPolicy) {
  ASSERT_EQ(design_rungs().size(), kConditionCount);
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    const ConditionSpec& s = spec(static_cast<Condition>(i));
    EXPECT_FALSE(s.name.empty());
    EXPECT_EQ(s.action, design_rungs().at(static_cast<Condition>(i))) << s.name;
    switch (s.action) {
      case Action::kWarn:
      case Action::kBlockNextPulse:
        EXPECT_EQ(s.clears, ClearPolicy::kWhenConditionClears) << s.name;
        break;
      case Action::kWait:
        EXPECT_EQ(s.clears, ClearPolicy::kByItself) << s.name;
        break;
      case Action::kEndPulse:
        EXPECT_EQ(s.clears, ClearPolicy::kNextPulse) << s.name;
        break;
      case Action::kAbortPulse:
        EXPECT_EQ(s.clears, ClearPolicy::kNextGoodMeasurement) << s.name;
        break;
      case Action::kFault:
        EXPECT_EQ(s.clears, ClearPolicy::kAcknowledgeAfterCauseGone) << s.name;
        break;
      default:
        EXPECT_EQ(s.clears, ClearPolicy::kServiceReset) << s.name;
    }
    switch (s.action) {
      case Action::kWarn:
        EXPECT_EQ(s.priority, AlarmPriority::kLow) << s.name;
        break;
      case Action::kBlockNextPulse:
      case Action::kAbortPulse:
        EXPECT_EQ(s.priority, AlarmPriority::kMedium) << s.name;
        break;
      case Action::kWait:
      case Action::kEndPulse:
        EXPECT_EQ(s.priority, AlarmPriority::kNone) << s.name;
        break;
      default:
        EXPECT_EQ(s.priority, AlarmPriority::kHigh) << s.name;
    }
  }
}

TEST(Ladder, NamesAreUniqueSoEventsAndTheApiCanKeyOnThem) {
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    for (std::size_t j = i + 1; j < kConditionCount; ++j) {
      EXPECT_NE(spec(static_cast<Condition>(i)).name, spec(static_cast<Condition>(j)).name);
    }
  }
}

// Verifies: SR-56
TEST(Ladder, OnlyStopAndEStopAreOperatorCaused) {
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    const auto c = static_cast<Condition>(i);
    EXPECT_EQ(spec(c).operator_caused, c == Condition::kEStop) << spec(c).name;
  }
}

// Verifies: SR-45, SR-50, SR-56
// Every FaultCode of proto/device.proto, mapped on purpose (written here from the .proto
// and docs/safety.md section 4.1, independently of board_latches.cpp).
TEST(BoardLatches, EveryFaultCodeHoldsTheConditionOfItsHazard) {
  const std::map<unsigned, Condition> expected = {
      {0, Condition::kBoardFault},    {1, Condition::kBoardDeadMan},
      {2, Condition::kEStop},         {3, Condition::kHeatsinkOverheat},
      {4, Condition::kPulseTimeCap},  {5, Condition::kPowerDeviation},
      {6, Condition::kEnergyOverrun}, {7, Condition::kRelayFault},
      {8, Condition::kRfUncommanded}, {9, Condition::kAtDepthLost},
      {10, Condition::kMotorStall},   {11, Condition::kEncoderMismatch},
      {12, Condition::kNotRetracted}, {13, Condition::kBoardFault},
      {14, Condition::kBoardFault},   {15, Condition::kThermistorOutOfRange},
      {16, Condition::kBoardFault},   {17, Condition::kBoardFault},
  };
  for (unsigned code = 0; code < 32; ++code) {
    const auto it = expected.find(code);
    const Condition want = it == expected.end() ? Condition::kBoardFault : it->second;
    EXPECT_EQ(board_latch_condition(code), want) << code;
    // A board latch is never a rung that lets RF go on.
    EXPECT_GE(spec(board_latch_condition(code)).action, Action::kFault) << code;
  }
  EXPECT_TRUE(spec(board_latch_condition(2)).operator_caused);
  const std::uint32_t both = board_fault::kEStop | board_fault::kDeadMan;
  EXPECT_TRUE(board_latch_conditions(both)[index(Condition::kEStop)]);
  EXPECT_TRUE(board_latch_conditions(both)[index(Condition::kBoardDeadMan)]);
  std::bitset<kConditionCount> only_dead_man;
  only_dead_man.set(index(Condition::kBoardDeadMan));
  EXPECT_EQ(board_latch_bits(both, only_dead_man), board_fault::kDeadMan);
}

TEST(Interlocks, MostSevereActiveActionWins) {
  Interlocks il;
  (void)il.set(Condition::kSkinWarm, true, t0);
  EXPECT_EQ(il.most_severe(), Action::kWarn);
  (void)il.set(Condition::kSkinHot, true, t0);
  EXPECT_EQ(il.most_severe(), Action::kBlockNextPulse);
  (void)il.set(Condition::kHeatsinkOverheat, true, t0);
  EXPECT_EQ(il.most_severe(), Action::kFault);
  (void)il.set(Condition::kThermistorRate, true, t0);
  EXPECT_EQ(il.most_severe(), Action::kServiceLock);
  EXPECT_EQ(il.highest_priority(), AlarmPriority::kHigh);
}

// Verifies: SR-24, SR-63
TEST(Interlocks, WarnAndBlockConditionsClearWhenTheConditionClears) {
  Interlocks il;
  EXPECT_EQ(il.set(Condition::kCartridgeMissing, true, t0), Change::kRaised);
  EXPECT_FALSE(il.new_pulse_allowed());
  EXPECT_EQ(il.set(Condition::kCartridgeMissing, false, t0), Change::kCleared);
  EXPECT_TRUE(il.new_pulse_allowed());
}

// Verifies: SR-55
TEST(Interlocks, FaultStaysAfterItsCauseGoesUntilAcknowledged) {
  Interlocks il;
  (void)il.set(Condition::kMotorStall, true, t0);
  EXPECT_EQ(il.set(Condition::kMotorStall, false, t0), Change::kNone);
  EXPECT_TRUE(il.in_effect(Condition::kMotorStall));
  EXPECT_TRUE(il.acknowledge()[index(Condition::kMotorStall)]);
  EXPECT_FALSE(il.in_effect(Condition::kMotorStall));
}

// Verifies: SR-55
TEST(Interlocks, AcknowledgeIsRefusedWhileAFaultCauseIsPresent) {
  Interlocks il;
  (void)il.set(Condition::kEStop, true, t0);
  EXPECT_FALSE(il.acknowledge_possible());
  EXPECT_TRUE(il.acknowledge().none());
  EXPECT_TRUE(il.in_effect(Condition::kEStop));
}

// Verifies: SR-55
TEST(Interlocks, ServiceLockIgnoresAcknowledgeAndClearsOnlyByServiceReset) {
  Interlocks il;
  (void)il.set(Condition::kHandshakeMismatch, true, t0);
  (void)il.set(Condition::kHandshakeMismatch, false, t0);
  EXPECT_FALSE(il.acknowledge_possible());
  EXPECT_TRUE(il.acknowledge().none());
  EXPECT_TRUE(il.service_reset()[index(Condition::kHandshakeMismatch)]);
  EXPECT_EQ(il.most_severe(), Action::kNone);
}

// Verifies: SR-10
TEST(Interlocks, AbortPulseClearsAtTheNextGoodMeasurementNotAtTheNextPulse) {
  Interlocks il;
  (void)il.set(Condition::kImpedanceOutOfWindow, true, t0);
  (void)il.set(Condition::kImpedanceOutOfWindow, false, t0);
  EXPECT_TRUE(il.begin_pulse().none());
  EXPECT_TRUE(il.in_effect(Condition::kImpedanceOutOfWindow));
  EXPECT_TRUE(il.good_measurement()[index(Condition::kImpedanceOutOfWindow)]);
}

// Verifies: SR-14
TEST(Interlocks, EndPulseClearsAtTheNextPulseAndNeverBlocksIt) {
  Interlocks il;
  (void)il.set(Condition::kDesiccation, true, t0);
  (void)il.set(Condition::kDesiccation, false, t0);
  EXPECT_TRUE(il.new_pulse_allowed());
  EXPECT_TRUE(il.begin_pulse()[index(Condition::kDesiccation)]);
}

TEST(Interlocks, WaitHoldsTheNextPulseAndClearsByItself) {
  Interlocks il;
  (void)il.set(Condition::kRecordNotStored, true, t0);
  EXPECT_FALSE(il.new_pulse_allowed());
  EXPECT_EQ(il.set(Condition::kRecordNotStored, false, t0), Change::kCleared);
  EXPECT_TRUE(il.new_pulse_allowed());
}

}  // namespace
}  // namespace rfneedle::core
