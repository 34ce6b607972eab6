#include "controller/core/interlocks.h"

namespace rfneedle::core {
namespace {

bool follows_cause(ClearPolicy policy) {
  return policy == ClearPolicy::kWhenConditionClears || policy == ClearPolicy::kByItself;
}

}  // namespace

Change Interlocks::set(Condition condition, bool present, Instant now) {
  const std::size_t i = index(condition);
  present_[i] = present;
  if (present && !in_effect_[i]) {
    in_effect_[i] = true;
    since_[i] = now;
    return Change::kRaised;
  }
  if (!present && in_effect_[i] && follows_cause(spec(condition).clears)) {
    in_effect_[i] = false;
    return Change::kCleared;
  }
  return Change::kNone;
}

std::bitset<kConditionCount> Interlocks::clear_where(ClearPolicy policy, bool only_if_cause_gone) {
  std::bitset<kConditionCount> cleared;
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    if (!in_effect_[i] || spec(static_cast<Condition>(i)).clears != policy) {
      continue;
    }
    if (only_if_cause_gone && present_[i]) {
      continue;
    }
    in_effect_[i] = false;
    present_[i] = false;
    cleared[i] = true;
  }
  return cleared;
}

std::bitset<kConditionCount> Interlocks::begin_pulse() {
  return clear_where(ClearPolicy::kNextPulse, false);
}

std::bitset<kConditionCount> Interlocks::good_measurement() {
  return clear_where(ClearPolicy::kNextGoodMeasurement, false);
}

bool Interlocks::acknowledge_possible() const {
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    const auto& s = spec(static_cast<Condition>(i));
    if (in_effect_[i] && s.clears == ClearPolicy::kServiceReset) {
      return false;
    }
    if (present_[i] && s.clears == ClearPolicy::kAcknowledgeAfterCauseGone) {
      return false;
    }
  }
  return true;
}

std::bitset<kConditionCount> Interlocks::acknowledge() {
  if (!acknowledge_possible()) {
    return {};
  }
  return clear_where(ClearPolicy::kAcknowledgeAfterCauseGone, true);
}

std::bitset<kConditionCount> Interlocks::service_reset() {
  return clear_where(ClearPolicy::kServiceReset, true) |
         clear_where(ClearPolicy::kAcknowledgeAfterCauseGone, true);
}

Action Interlocks::most_severe() const {
  Action worst = Action::kNone;
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    const Action a = spec(static_cast<Condition>(i)).action;
    if (in_effect_[i] && a > worst) {
      worst = a;
    }
  }
  return worst;
}

bool Interlocks::any_in_effect_at(Action action) const {
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    if (in_effect_[i] && spec(static_cast<Condition>(i)).action == action) {
      return true;
    }
  }
  return false;
}

bool Interlocks::new_pulse_allowed() const {
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    if (!in_effect_[i]) {
      continue;
    }
    const Action a = spec(static_cast<Condition>(i)).action;
    if (a == Action::kBlockNextPulse || a == Action::kWait || a >= Action::kFault) {
      return false;
    }
  }
  return true;
}

AlarmPriority Interlocks::highest_priority() const {
  AlarmPriority worst = AlarmPriority::kNone;
  for (std::size_t i = 0; i < kConditionCount; ++i) {
    const AlarmPriority p = spec(static_cast<Condition>(i)).priority;
    if (in_effect_[i] && p > worst) {
      worst = p;
    }
  }
  return worst;
}

}  // namespace rfneedle::core
