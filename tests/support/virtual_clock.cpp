#include "tests/support/virtual_clock.h"

#include <stdexcept>

namespace rfneedle::testing {

VirtualClock::TimerId VirtualClock::call_at(Instant deadline, Callback callback) {
  return insert(deadline < now_ ? now_ : deadline, Duration::zero(), std::move(callback));
}

VirtualClock::TimerId VirtualClock::call_after(Duration delay, Callback callback) {
  return call_at(now_ + delay, std::move(callback));
}

VirtualClock::TimerId VirtualClock::call_every(Duration period, Callback callback) {
  if (period <= Duration::zero()) {
    throw std::invalid_argument("VirtualClock::call_every: period must be positive");
  }
  return insert(now_ + period, period, std::move(callback));
}

bool VirtualClock::cancel(TimerId id) {
  auto it = keys_.find(id);
  if (it == keys_.end()) {
    return false;
  }
  timers_.erase(it->second);
  keys_.erase(it);
  return true;
}

void VirtualClock::advance(Duration step) { advance_to(now_ + step); }

void VirtualClock::advance_to(Instant target) {
  if (target < now_) {
    throw std::invalid_argument("VirtualClock::advance_to: time cannot go backwards");
  }
  while (fire_next_due(target)) {
  }
  now_ = target;
}

bool VirtualClock::advance_to_next_timer() {
  auto deadline = next_deadline();
  if (!deadline) {
    return false;
  }
  while (fire_next_due(*deadline)) {
  }
  return true;
}

std::optional<Instant> VirtualClock::next_deadline() const {
  if (timers_.empty()) {
    return std::nullopt;
  }
  return timers_.begin()->first.first;
}

VirtualClock::TimerId VirtualClock::insert(Instant deadline, Duration period, Callback callback) {
  TimerId id = next_id_++;
  Key key{deadline, next_order_++};
  timers_.emplace(key, Timer{id, period, std::move(callback)});
  keys_.emplace(id, key);
  return id;
}

bool VirtualClock::fire_next_due(Instant limit) {
  if (timers_.empty() || timers_.begin()->first.first > limit) {
    return false;
  }
  auto node = timers_.extract(timers_.begin());
  Timer& timer = node.mapped();
  now_ = node.key().first;
  if (timer.period > Duration::zero()) {
    // Re-arm before the callback runs, so the callback may cancel its own timer.
    Key next{now_ + timer.period, next_order_++};
    keys_[timer.id] = next;
    auto callback = timer.callback;
    timers_.emplace(next, std::move(timer));
    callback();
    return true;
  }
  keys_.erase(timer.id);
  timer.callback();
  return true;
}

}  // namespace rfneedle::testing
