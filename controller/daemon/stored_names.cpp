#include "controller/daemon/stored_names.h"

namespace rfneedle::daemon {
namespace {

// The core's name() functions answer "?" outside the enum.
std::string_view known(std::string_view n) { return n == "?" ? std::string_view{} : n; }

}  // namespace

std::string_view stored_name(core::State state) { return known(core::name(state)); }

std::string_view stored_name(core::Condition condition) {
  if (core::index(condition) >= core::kConditionCount) {
    return {};
  }
  return core::spec(condition).name;
}

std::string_view stored_name(core::Severity severity) { return known(core::name(severity)); }

std::string_view stored_name(core::AlarmPriority priority) { return known(core::name(priority)); }

std::string_view stored_name(core::BodyArea area) { return known(core::name(area)); }

std::string_view stored_name(core::EventKind kind) {
  using K = core::EventKind;
  switch (kind) {
    case K::kConditionRaised:
      return "condition_raised";
    case K::kConditionCleared:
      return "condition_cleared";
    case K::kStateChanged:
      return "state_changed";
    case K::kRequestRejected:
      return "request_rejected";
    case K::kRequestAccepted:
      return "request_accepted";
    case K::kPulseStarted:
      return "pulse_started";
    case K::kPulseEnded:
      return "pulse_ended";
    case K::kSelfTestCheck:
      return "self_test_check";
    case K::kCalibrationResult:
      return "calibration_result";
    case K::kScreenLocked:
      return "screen_locked";
    case K::kDepthConfirmed:
      return "depth_confirmed";
    case K::kScreeningOverridden:
      return "screening_overridden";
    case K::kOutputOverflow:
      return "output_overflow";
    case K::kBoardChanged:
      return "board_changed";
    case K::kPulsesReconciled:
      return "pulses_reconciled";
    case K::kScreeningAdvisory:
      return "screening_advisory";
    case K::kSessionInterrupted:
      return "session_interrupted";
  }
  return {};
}

std::string_view stored_name(core::PulseOutcome outcome) {
  using O = core::PulseOutcome;
  switch (outcome) {
    case O::kStarted:
      return "started";
    case O::kCompleted:
      return "completed";
    case O::kEnded:
      return "ended";
    case O::kAborted:
      return "aborted";
    case O::kFaulted:
      return "faulted";
    case O::kNotDelivered:
      return "not_delivered";
  }
  return {};
}

std::string_view stored_name(core::PulseKind kind) {
  using K = core::PulseKind;
  switch (kind) {
    case K::kTreatment:
      return "treatment";
    case K::kSelfTest:
      return "self_test";
    case K::kCalibration:
      return "calibration";
  }
  return {};
}

std::string_view stored_name(core::Board board) {
  switch (board) {
    case core::Board::kGenerator:
      return "generator";
    case core::Board::kActuator:
      return "actuator";
  }
  return {};
}

}  // namespace rfneedle::daemon
