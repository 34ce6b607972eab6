// What the daemon tells the core of its store (issue 10): the core decides what each
// means on the ladder, like any other cause.
#include "controller/core/core.h"

namespace rfneedle::core {

bool Core::on_store_condition(Condition condition, bool present, Instant now) {
  if (condition != Condition::kStoreFailed && condition != Condition::kClockBehindRecords &&
      condition != Condition::kStoreUnusable) {
    return false;
  }
  set_condition(condition, present, now);
  settle(now);
  return true;
}

}  // namespace rfneedle::core
