#include "controller/core/trigger_monitor.h"

namespace rfneedle::core {

TriggerMonitor::Reading TriggerMonitor::update(bool contact_a, bool contact_b, Instant now,
                                               Duration skew) {
  Reading r;
  r.held = contact_a && contact_b;
  r.disagree_fault = disagreement_.update(contact_a != contact_b, now, skew);
  if (!contact_a && !contact_b) {
    armed_for_press_ = true;
    first_closed_.reset();
    return r;
  }
  if (!first_closed_) {
    first_closed_ = now;
  }
  if (r.held && armed_for_press_) {
    armed_for_press_ = false;
    r.new_press = now - *first_closed_ <= skew;
  }
  return r;
}

}  // namespace rfneedle::core
