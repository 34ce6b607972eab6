#include "controller/daemon/stream_queue.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <limits>

namespace rfneedle::daemon {

bool SendQueue::push(Kind kind, std::string text) {
  if (items_.size() < capacity_) {
    items_.push_back({kind, std::move(text)});
    return true;
  }
  if (kind == Kind::kTelemetry || kind == Kind::kSnapshot) {
    if (Item* same = newest(kind)) {
      same->text = std::move(text);
      ++coalesced_;
      return true;
    }
  }
  if (kind == Kind::kTelemetry) {
    ++coalesced_;  // nothing to replace: this summary is dropped, the next one follows
    return true;
  }
  // Room for a snapshot or an event is made only at telemetry's expense.
  if (drop_one(Kind::kTelemetry)) {
    items_.push_back({kind, std::move(text)});
    return true;
  }
  return false;
}

const std::string& SendQueue::begin_write() {
  writing_ = true;
  return items_.front().text;
}

void SendQueue::pop() {
  writing_ = false;
  items_.pop_front();
}

SendQueue::Item* SendQueue::newest(Kind kind) {
  const std::size_t first = writing_ ? 1 : 0;
  for (std::size_t i = items_.size(); i > first; --i) {
    if (items_[i - 1].kind == kind) {
      return &items_[i - 1];
    }
  }
  return nullptr;
}

bool SendQueue::drop_one(Kind kind) {
  const std::size_t first = writing_ ? 1 : 0;
  for (std::size_t i = first; i < items_.size(); ++i) {
    if (items_[i].kind == kind) {
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      ++coalesced_;
      return true;
    }
  }
  return false;
}

namespace {

std::int32_t clamp32(std::int64_t v) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(
      v, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

void note(api::FieldStats* stats, std::int64_t value, bool first) {
  const std::int32_t v = clamp32(value);
  if (first) {
    stats->set_min(v);
    stats->set_max(v);
  } else {
    stats->set_min(std::min(stats->min(), v));
    stats->set_max(std::max(stats->max(), v));
  }
  stats->set_last(v);
}

}  // namespace

std::optional<api::Telemetry> TelemetryDecimator::add(const TelemetrySample& s) {
  using google::protobuf::util::TimeUtil;
  const bool first = samples_ == 0;
  if (first) {
    frame_.Clear();
    *frame_.mutable_from() = TimeUtil::MillisecondsToTimestamp(s.at);
  }
  const core::GeneratorSample& g = s.generator;
  const core::ActuatorSample& a = s.actuator;
  note(frame_.mutable_power_mw(), g.power.value(), first);
  note(frame_.mutable_voltage_mv(), g.voltage.value(), first);
  note(frame_.mutable_current_ma(), g.current.value(), first);
  note(frame_.mutable_impedance_ohm(), g.impedance.value(), first);
  note(frame_.mutable_energy_uj(), g.energy.value(), first);
  note(frame_.mutable_heatsink_mdegc(), g.heatsink.value(), first);
  note(frame_.mutable_skin_temp_a_mdegc(), a.skin_temp_a.value(), first);
  note(frame_.mutable_skin_temp_b_mdegc(), a.skin_temp_b.value(), first);
  note(frame_.mutable_encoder_position_um(), a.encoder_position.value(), first);
  note(frame_.mutable_motor_current_ma(), a.motor_current.value(), first);
  frame_.set_rf_active(frame_.rf_active() || g.rf_active);
  frame_.set_estop(frame_.estop() || g.estop || a.estop);
  frame_.set_trigger_a(a.trigger_a);
  frame_.set_trigger_b(a.trigger_b);
  frame_.set_cartridge_present(a.cartridge_present);
  ++samples_;
  if (samples_ < kSamplesPerFrame) {
    return std::nullopt;
  }
  *frame_.mutable_to() = TimeUtil::MillisecondsToTimestamp(s.at);
  frame_.set_samples(samples_);
  samples_ = 0;
  return frame_;
}

}  // namespace rfneedle::daemon
