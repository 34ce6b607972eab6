#include "controller/core/ladder.h"

namespace rfneedle::core {
namespace {

using A = Action;
using P = AlarmPriority;
using C = ClearPolicy;

// Indexed by Condition; the order must match the enum (a static_assert below checks size,
// ladder_test checks each entry's name).
constexpr std::array<ConditionSpec, kConditionCount> kSpecs = {{
    {"skin_warm", A::kWarn, P::kLow, C::kWhenConditionClears},
    {"cartridge_near_limit", A::kWarn, P::kLow, C::kWhenConditionClears},
    {"heatsink_warm", A::kWarn, P::kLow, C::kWhenConditionClears},
    {"skin_hot", A::kBlockNextPulse, P::kMedium, C::kWhenConditionClears},
    {"cartridge_missing", A::kBlockNextPulse, P::kMedium, C::kWhenConditionClears},
    {"cartridge_expired", A::kBlockNextPulse, P::kMedium, C::kWhenConditionClears},
    {"cartridge_at_limit", A::kBlockNextPulse, P::kMedium, C::kWhenConditionClears},
    {"display_stale", A::kBlockNextPulse, P::kMedium, C::kWhenConditionClears},
    {"board_setup_refused", A::kBlockNextPulse, P::kMedium, C::kWhenConditionClears},
    {"store_failed", A::kBlockNextPulse, P::kMedium, C::kWhenConditionClears},
    {"clock_behind_records", A::kBlockNextPulse, P::kMedium, C::kWhenConditionClears},
    {"inter_pulse_interval", A::kWait, P::kNone, C::kByItself},
    {"record_not_stored", A::kWait, P::kNone, C::kByItself},
    {"board_setup_pending", A::kWait, P::kNone, C::kByItself},
    {"pulse_id_not_reserved", A::kWait, P::kNone, C::kByItself},
    {"desiccation", A::kEndPulse, P::kNone, C::kNextPulse},
    {"skin_hot_during_pulse", A::kEndPulse, P::kNone, C::kNextPulse},
    {"trigger_released", A::kEndPulse, P::kNone, C::kNextPulse},
    {"impedance_out_of_window", A::kAbortPulse, P::kMedium, C::kNextGoodMeasurement},
    {"power_unreachable", A::kAbortPulse, P::kMedium, C::kNextGoodMeasurement},
    {"contact_lost", A::kAbortPulse, P::kMedium, C::kNextGoodMeasurement},
    {"pulse_refused", A::kAbortPulse, P::kMedium, C::kNextGoodMeasurement},
    {"short_circuit", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"power_deviation", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"energy_overrun", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"rf_uncommanded", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"rf_still_active", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"generator_telemetry_gap", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"actuator_telemetry_gap", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"link_fault", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"not_at_depth", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"not_retracted", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"encoder_mismatch", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"motor_stall", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"estop", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone, true},
    {"trigger_disagree", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"skin_overheat", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"heatsink_overheat", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"board_fault", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"telemetry_implausible", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"board_dead_man", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"pulse_time_cap", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"at_depth_lost", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"relay_fault", A::kFault, P::kHigh, C::kAcknowledgeAfterCauseGone},
    {"retraction_failed", A::kNeedleStuck, P::kHigh, C::kServiceReset},
    {"thermistor_out_of_range", A::kServiceLock, P::kHigh, C::kServiceReset},
    {"thermistor_rate", A::kServiceLock, P::kHigh, C::kServiceReset},
    {"thermistor_disagree", A::kServiceLock, P::kHigh, C::kServiceReset},
    {"thermistor_stuck", A::kServiceLock, P::kHigh, C::kServiceReset},
    {"handshake_mismatch", A::kServiceLock, P::kHigh, C::kServiceReset},
    {"self_test_failed", A::kServiceLock, P::kHigh, C::kServiceReset},
    {"repeated_fault", A::kServiceLock, P::kHigh, C::kServiceReset},
    {"internal_invariant", A::kServiceLock, P::kHigh, C::kServiceReset},
    {"store_unusable", A::kServiceLock, P::kHigh, C::kServiceReset},
}};
static_assert(kSpecs.size() == static_cast<std::size_t>(kConditionCount));

}  // namespace

const ConditionSpec& spec(Condition condition) {
  return kSpecs[static_cast<std::size_t>(condition)];
}

std::string_view name(Action action) {
  switch (action) {
    case Action::kNone:
      return "none";
    case Action::kWarn:
      return "warn";
    case Action::kBlockNextPulse:
      return "block_next_pulse";
    case Action::kWait:
      return "wait";
    case Action::kEndPulse:
      return "end_pulse";
    case Action::kAbortPulse:
      return "abort_pulse";
    case Action::kFault:
      return "fault";
    case Action::kNeedleStuck:
      return "needle_stuck";
    case Action::kServiceLock:
      return "service_lock";
  }
  return "?";
}

std::string_view name(AlarmPriority priority) {
  switch (priority) {
    case AlarmPriority::kNone:
      return "none";
    case AlarmPriority::kLow:
      return "low";
    case AlarmPriority::kMedium:
      return "medium";
    case AlarmPriority::kHigh:
      return "high";
  }
  return "?";
}

}  // namespace rfneedle::core
