#include "simulator/model/trigger.h"

namespace rfneedle::sim {

void TriggerModel::press(Instant at) {
  if (pressed_) return;
  pressed_ = true;
  changed_at_ = at;
}

void TriggerModel::release(Instant at) {
  if (!pressed_) return;
  pressed_ = false;
  changed_at_ = at;
}

bool TriggerModel::closed(Instant now, Duration lag) const {
  // Before the contact follows the latest change it still shows the previous state.
  const bool followed = now >= changed_at_ + lag;
  return followed ? pressed_ : !pressed_;
}

bool TriggerModel::contact_a(Instant now) const {
  return stuck_a_ || closed(now, Duration::zero());
}

bool TriggerModel::contact_b(Instant now) const { return stuck_b_ || closed(now, skew_); }

}  // namespace rfneedle::sim
