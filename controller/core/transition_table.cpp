#include "controller/core/transition_table.h"

#include <initializer_list>

namespace rfneedle::core {
namespace {

using S = State;
using E = Stimulus;

constexpr std::string_view kNotHere = "not accepted in this state";

class Builder {
 public:
  constexpr Builder() {
    for (std::size_t s = 0; s < kStateCount; ++s) {
      for (std::size_t e = 0; e < kStimulusCount; ++e) {
        table_[s][e] = Transition{static_cast<State>(s), kNotHere};
      }
    }
  }
  constexpr void go(std::initializer_list<State> from, Stimulus e, State to) {
    for (State s : from) {
      at(s, e) = Transition{to, {}};
    }
  }
  constexpr void stay(std::initializer_list<State> in, Stimulus e) {
    for (State s : in) {
      at(s, e) = Transition{s, {}};
    }
  }
  constexpr void reject(std::initializer_list<State> in, Stimulus e, std::string_view why) {
    for (State s : in) {
      at(s, e) = Transition{s, why};
    }
  }
  constexpr Transition& at(State s, Stimulus e) {
    return table_[static_cast<std::size_t>(s)][static_cast<std::size_t>(e)];
  }
  [[nodiscard]] constexpr const TransitionTable& table() const { return table_; }

 private:
  TransitionTable table_{};
};

constexpr std::initializer_list<State> kAll = {
    S::kConnecting,  S::kSelfTest,    S::kStandby,    S::kReady,       S::kInserting,
    S::kMeasuring,   S::kEnergizing,  S::kRetracting, S::kPaused,      S::kFault,
    S::kNeedleStuck, S::kServiceLock, S::kService,    S::kShuttingDown};

constexpr TransitionTable build() {
  Builder b;
  // Connection and self-test.
  b.go({S::kConnecting}, E::kHandshakesMatched, S::kSelfTest);
  b.go({S::kSelfTest}, E::kSelfTestPassed, S::kStandby);
  b.stay({S::kService}, E::kSelfTestPassed);
  b.go({S::kSelfTest, S::kService}, E::kSelfTestFailed, S::kServiceLock);
  b.stay({S::kService}, E::kRunSelfTest);
  b.go({S::kStandby}, E::kSelfTestRepeat, S::kSelfTest);

  // Arming and the pulse sequence (DESIGN 4).
  b.go({S::kStandby}, E::kArm, S::kReady);
  b.reject({S::kReady, S::kPaused}, E::kArm, "already armed");
  b.go({S::kReady, S::kPaused}, E::kDisarm, S::kStandby);
  b.reject({S::kInserting, S::kMeasuring, S::kEnergizing, S::kRetracting}, E::kDisarm,
           "a pulse is under way: STOP ends it");
  b.go({S::kReady}, E::kTriggerPressed, S::kInserting);
  b.reject({S::kPaused}, E::kTriggerPressed, "an interlock blocks the next pulse");
  b.go({S::kInserting}, E::kNeedlesAtDepth, S::kMeasuring);
  b.go({S::kMeasuring}, E::kImpedanceAccepted, S::kEnergizing);
  b.go({S::kInserting, S::kMeasuring, S::kEnergizing}, E::kPulseOver, S::kRetracting);
  b.go({S::kRetracting}, E::kNeedlesRetracted, S::kReady);
  b.go({S::kReady}, E::kBlocked, S::kPaused);
  b.stay({S::kPaused}, E::kBlocked);
  b.go({S::kPaused}, E::kUnblocked, S::kReady);
  b.stay({S::kReady}, E::kUnblocked);
  b.go({S::kReady, S::kPaused}, E::kIdleTimeout, S::kStandby);
  b.stay({S::kStandby}, E::kIdleTimeout);

  // STOP is never refused: it ends any pulse (retracting, then disarmed) and elsewhere
  // re-commands RF off where it already is.
  b.stay(kAll, E::kStop);
  b.go({S::kReady, S::kPaused}, E::kStop, S::kStandby);
  b.go({S::kInserting, S::kMeasuring, S::kEnergizing}, E::kStop, S::kRetracting);

  // The ladder's latched rungs: fault < needle stuck < service lock.
  b.go(kAll, E::kFaultDetected, S::kFault);
  b.stay({S::kFault}, E::kFaultDetected);
  b.reject({S::kNeedleStuck, S::kServiceLock}, E::kFaultDetected,
           "a more severe latch is in force");
  b.go(kAll, E::kRetractionFailed, S::kNeedleStuck);
  b.stay({S::kNeedleStuck}, E::kRetractionFailed);
  b.reject({S::kServiceLock}, E::kRetractionFailed, "a more severe latch is in force");
  b.go(kAll, E::kServiceLockCause, S::kServiceLock);
  b.stay({S::kServiceLock}, E::kServiceLockCause);
  b.go(kAll, E::kHandshakeMismatch, S::kServiceLock);
  b.stay({S::kServiceLock}, E::kHandshakeMismatch);
  b.reject({S::kShuttingDown}, E::kFaultDetected, "shutting down: RF already off");
  b.reject({S::kShuttingDown}, E::kRetractionFailed, "shutting down: RF already off");
  b.reject({S::kShuttingDown}, E::kServiceLockCause, "shutting down: RF already off");
  b.reject({S::kShuttingDown}, E::kHandshakeMismatch, "shutting down: RF already off");

  b.go({S::kFault}, E::kAcknowledge, S::kStandby);
  b.reject({S::kNeedleStuck, S::kServiceLock}, E::kAcknowledge,
           "this latch clears only by a service reset");
  b.go({S::kFault, S::kNeedleStuck, S::kServiceLock}, E::kServiceReset, S::kStandby);

  // Service mode: diagnostics and calibration, never treatment.
  b.go({S::kStandby}, E::kServiceEnter, S::kService);
  b.reject({S::kReady, S::kPaused}, E::kServiceEnter, "disarm first");
  b.reject({S::kFault, S::kNeedleStuck, S::kServiceLock}, E::kServiceEnter,
           "clear the latch first");
  b.go({S::kService}, E::kServiceExit, S::kStandby);

  b.go(kAll, E::kShutdown, S::kShuttingDown);
  b.reject({S::kShuttingDown}, E::kShutdown, "already shutting down");
  return b.table();
}

constexpr TransitionTable kTable = build();

}  // namespace

const TransitionTable& transition_table() { return kTable; }

}  // namespace rfneedle::core
