// The state machine, pair by pair: every (state, stimulus) of the full product is either
// the transition the specification below names, or an explicit rejection that keeps the
// state and gives a reason.
#include "controller/core/transition_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "tests/unit/core/rig.h"

namespace rfneedle::core {
namespace {

using S = State;
using E = Stimulus;

// The specification, written from DESIGN 4 independently of the table.
std::map<std::pair<S, E>, S> specification() {
  std::map<std::pair<S, E>, S> spec;
  auto go = [&](S from, E e, S to) { spec[{from, e}] = to; };
  go(S::kConnecting, E::kHandshakesMatched, S::kSelfTest);
  go(S::kSelfTest, E::kSelfTestPassed, S::kStandby);
  go(S::kSelfTest, E::kSelfTestFailed, S::kServiceLock);
  go(S::kService, E::kSelfTestPassed, S::kService);
  go(S::kService, E::kSelfTestFailed, S::kServiceLock);
  go(S::kService, E::kRunSelfTest, S::kService);
  go(S::kStandby, E::kSelfTestRepeat, S::kSelfTest);
  go(S::kStandby, E::kArm, S::kReady);
  go(S::kReady, E::kDisarm, S::kStandby);
  go(S::kPaused, E::kDisarm, S::kStandby);
  go(S::kReady, E::kTriggerPressed, S::kInserting);
  go(S::kInserting, E::kNeedlesAtDepth, S::kMeasuring);
  go(S::kMeasuring, E::kImpedanceAccepted, S::kEnergizing);
  go(S::kInserting, E::kPulseOver, S::kRetracting);
  go(S::kMeasuring, E::kPulseOver, S::kRetracting);
  go(S::kEnergizing, E::kPulseOver, S::kRetracting);
  go(S::kRetracting, E::kNeedlesRetracted, S::kReady);
  go(S::kReady, E::kBlocked, S::kPaused);
  go(S::kPaused, E::kBlocked, S::kPaused);
  go(S::kPaused, E::kUnblocked, S::kReady);
  go(S::kReady, E::kUnblocked, S::kReady);
  go(S::kReady, E::kIdleTimeout, S::kStandby);
  go(S::kPaused, E::kIdleTimeout, S::kStandby);
  go(S::kStandby, E::kIdleTimeout, S::kStandby);
  go(S::kFault, E::kAcknowledge, S::kStandby);
  go(S::kFault, E::kServiceReset, S::kStandby);
  go(S::kNeedleStuck, E::kServiceReset, S::kStandby);
  go(S::kServiceLock, E::kServiceReset, S::kStandby);
  go(S::kStandby, E::kServiceEnter, S::kService);
  go(S::kService, E::kServiceExit, S::kStandby);
  for (std::size_t i = 0; i < kStateCount; ++i) {
    const auto s = static_cast<S>(i);
    // STOP is never refused: from an armed state it disarms, in a pulse it retracts.
    S after_stop = s;
    if (s == S::kReady || s == S::kPaused) after_stop = S::kStandby;
    if (s == S::kInserting || s == S::kMeasuring || s == S::kEnergizing) {
      after_stop = S::kRetracting;
    }
    go(s, E::kStop, after_stop);
    if (s == S::kShuttingDown) continue;
    go(s, E::kShutdown, S::kShuttingDown);
    go(s, E::kServiceLockCause, S::kServiceLock);
    go(s, E::kHandshakeMismatch, S::kServiceLock);
    if (s != S::kServiceLock) go(s, E::kRetractionFailed, S::kNeedleStuck);
    if (s != S::kServiceLock && s != S::kNeedleStuck) go(s, E::kFaultDetected, S::kFault);
  }
  return spec;
}

class EveryPair : public ::testing::TestWithParam<std::tuple<int, int>> {};

// Verifies: SR-07
TEST_P(EveryPair, IsTheSpecifiedTransitionOrAnExplicitRejection) {
  const auto state = static_cast<S>(std::get<0>(GetParam()));
  const auto stimulus = static_cast<E>(std::get<1>(GetParam()));
  static const auto spec = specification();
  const Transition t = transition(state, stimulus);
  const auto it = spec.find({state, stimulus});
  if (it == spec.end()) {
    EXPECT_FALSE(t.accepted()) << name(state) << " x " << name(stimulus) << " should be refused";
    EXPECT_EQ(t.next, state);
    EXPECT_FALSE(t.rejection.empty());
    return;
  }
  EXPECT_TRUE(t.accepted()) << name(state) << " x " << name(stimulus) << ": " << t.rejection;
  EXPECT_EQ(t.next, it->second) << name(state) << " x " << name(stimulus) << " went to "
                                << name(t.next);
}

INSTANTIATE_TEST_SUITE_P(StateByStimulus, EveryPair,
                         ::testing::Combine(::testing::Range(0, static_cast<int>(kStateCount)),
                                            ::testing::Range(0, static_cast<int>(kStimulusCount))),
                         [](const auto& param_info) {
                           return std::string(name(static_cast<S>(std::get<0>(param_info.param)))) +
                                  "_" +
                                  std::string(name(static_cast<E>(std::get<1>(param_info.param))));
                         });

// Verifies: SR-06, SR-07
TEST(TransitionTable, EnergizingIsReachedOnlyFromMeasuringOnAnAcceptedImpedance) {
  for (std::size_t s = 0; s < kStateCount; ++s) {
    for (std::size_t e = 0; e < kStimulusCount; ++e) {
      const Transition t = transition(static_cast<S>(s), static_cast<E>(e));
      if (t.accepted() && t.next == S::kEnergizing && static_cast<S>(s) != S::kEnergizing) {
        EXPECT_EQ(static_cast<S>(s), S::kMeasuring);
        EXPECT_EQ(static_cast<E>(e), E::kImpedanceAccepted);
      }
    }
  }
}

// Verifies: SR-55
TEST(TransitionTable, LatchedStatesLeaveOnlyByAcknowledgeOrServiceReset) {
  for (S latched : {S::kFault, S::kNeedleStuck, S::kServiceLock}) {
    for (std::size_t e = 0; e < kStimulusCount; ++e) {
      const auto stimulus = static_cast<E>(e);
      const Transition t = transition(latched, stimulus);
      if (!t.accepted() || is_latched(t.next) || t.next == S::kShuttingDown) continue;
      EXPECT_TRUE(stimulus == E::kServiceReset ||
                  (latched == S::kFault && stimulus == E::kAcknowledge))
          << name(latched) << " left on " << name(stimulus);
    }
  }
}

}  // namespace
}  // namespace rfneedle::core

namespace rfneedle::core::testing {
namespace {

TEST(TransitionTable, ARefusedStimulusIsRecordedByName) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  rig.clear_logs();
  rig.boards.act.press();  // in Standby: no session, nothing armed
  rig.run(milliseconds(2));
  const auto refused = std::find_if(rig.events.begin(), rig.events.end(), [](const CoreEvent& e) {
    return e.kind == EventKind::kRequestRejected;
  });
  ASSERT_NE(refused, rig.events.end());
  EXPECT_EQ(refused->detail, "TriggerPressed");
  EXPECT_EQ(refused->text, "not accepted in this state");
  EXPECT_EQ(refused->state, State::kStandby);
}

}  // namespace
}  // namespace rfneedle::core::testing
