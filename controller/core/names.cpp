#include "controller/core/state.h"
#include "controller/core/stimulus.h"

namespace rfneedle::core {

std::string_view name(State state) {
  switch (state) {
    case State::kConnecting:
      return "Connecting";
    case State::kSelfTest:
      return "SelfTest";
    case State::kStandby:
      return "Standby";
    case State::kReady:
      return "Ready";
    case State::kInserting:
      return "Inserting";
    case State::kMeasuring:
      return "Measuring";
    case State::kEnergizing:
      return "Energizing";
    case State::kRetracting:
      return "Retracting";
    case State::kPaused:
      return "Paused";
    case State::kFault:
      return "Fault";
    case State::kNeedleStuck:
      return "NeedleStuck";
    case State::kServiceLock:
      return "ServiceLock";
    case State::kService:
      return "Service";
    case State::kShuttingDown:
      return "ShuttingDown";
  }
  return "?";
}

std::string_view name(Stimulus stimulus) {
  switch (stimulus) {
    case Stimulus::kHandshakesMatched:
      return "HandshakesMatched";
    case Stimulus::kHandshakeMismatch:
      return "HandshakeMismatch";
    case Stimulus::kSelfTestPassed:
      return "SelfTestPassed";
    case Stimulus::kSelfTestFailed:
      return "SelfTestFailed";
    case Stimulus::kArm:
      return "Arm";
    case Stimulus::kDisarm:
      return "Disarm";
    case Stimulus::kStop:
      return "Stop";
    case Stimulus::kTriggerPressed:
      return "TriggerPressed";
    case Stimulus::kNeedlesAtDepth:
      return "NeedlesAtDepth";
    case Stimulus::kImpedanceAccepted:
      return "ImpedanceAccepted";
    case Stimulus::kPulseOver:
      return "PulseOver";
    case Stimulus::kNeedlesRetracted:
      return "NeedlesRetracted";
    case Stimulus::kBlocked:
      return "Blocked";
    case Stimulus::kUnblocked:
      return "Unblocked";
    case Stimulus::kIdleTimeout:
      return "IdleTimeout";
    case Stimulus::kFaultDetected:
      return "FaultDetected";
    case Stimulus::kRetractionFailed:
      return "RetractionFailed";
    case Stimulus::kServiceLockCause:
      return "ServiceLockCause";
    case Stimulus::kAcknowledge:
      return "Acknowledge";
    case Stimulus::kServiceEnter:
      return "ServiceEnter";
    case Stimulus::kServiceExit:
      return "ServiceExit";
    case Stimulus::kServiceReset:
      return "ServiceReset";
    case Stimulus::kRunSelfTest:
      return "RunSelfTest";
    case Stimulus::kShutdown:
      return "Shutdown";
    case Stimulus::kSelfTestRepeat:
      return "self_test_repeat";
  }
  return "?";
}

}  // namespace rfneedle::core
