#include "controller/core/skin_temperature.h"

#include <algorithm>

namespace rfneedle::core {
namespace {

MilliCelsius magnitude(MilliCelsius d) { return d < MilliCelsius{0} ? MilliCelsius{0} - d : d; }

}  // namespace

std::optional<SkinTemperature::Snapshot> SkinTemperature::snapshot_before(Instant limit) const {
  // Newest first: the first snapshot at or before `limit` is the one a window back.
  for (std::size_t k = 1; k <= count_; ++k) {
    const Snapshot& s = history_[(next_ + kSnapshots - k) % kSnapshots];
    if (s.at <= limit) {
      return s;
    }
  }
  return std::nullopt;
}

SkinTemperature::Reading SkinTemperature::update(MilliCelsius a, MilliCelsius b, Instant now,
                                                 const SkinLimits& skin,
                                                 const ThermistorLimits& limits) {
  Reading r;
  r.hottest = std::max(a, b);
  warm_ = r.hottest >= (warm_ ? skin.warn - kWarnHysteresis : skin.warn);
  r.warm = warm_;
  hot_ = hot_ ? r.hottest >= skin.cool_down : r.hottest >= skin.block;
  r.hot = hot_;
  r.overheat = r.hottest >= skin.fault;

  auto outside = [&](MilliCelsius t) { return t < limits.min || t > limits.max; };
  r.out_of_range = outside(a) || outside(b);
  r.disagree = disagreement_.update(magnitude(a - b) > limits.max_disagreement, now,
                                    limits.disagreement_time);

  if (auto past = snapshot_before(now - limits.rate_window)) {
    r.rate =
        magnitude(a - past->a) > limits.max_change || magnitude(b - past->b) > limits.max_change;
  }
  if (!unchanged_ || unchanged_->first != a || unchanged_->second != b) {
    unchanged_ = std::pair{a, b};
    energy_since_change_ = Microjoules{0};
    energy_reached_at_.reset();
  }
  r.stuck = energy_reached_at_ && now - *energy_reached_at_ > limits.stuck_time;

  const bool due =
      count_ == 0 || now - history_[(next_ + kSnapshots - 1) % kSnapshots].at >= kSnapshotPeriod;
  if (due) {
    history_[next_] = Snapshot{now, a, b};
    next_ = (next_ + 1) % kSnapshots;
    count_ = std::min(count_ + 1, kSnapshots);
  }
  return r;
}

void SkinTemperature::on_energy_delivered(Microjoules energy, Instant now,
                                          const ThermistorLimits& limits) {
  energy_since_change_ += energy;
  if (!energy_reached_at_ && energy_since_change_ >= limits.stuck_energy) {
    energy_reached_at_ = now;
  }
}

}  // namespace rfneedle::core
