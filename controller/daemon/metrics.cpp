#include "controller/daemon/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "controller/core/ladder.h"
#include "controller/daemon/stored_names.h"

namespace rfneedle::daemon {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

constexpr std::array<std::string_view, 2> kBoards = {"generator", "actuator"};
constexpr std::array<std::string_view, 4> kDrops = {"telemetry", "snapshots", "events", "logs"};
constexpr std::array<std::string_view, 10> kQueueNames = {
    "inputs", "replies", "events", "latches", "pulses",
    "snapshots", "telemetry", "logs", "identities", "pulse_logs"};
constexpr std::array<core::AlarmPriority, 3> kPriorities = {
    core::AlarmPriority::kLow, core::AlarmPriority::kMedium, core::AlarmPriority::kHigh};

std::string text(std::string_view s) { return std::string(s); }

// Depth and capacity of each queue, in kQueueNames' order.
template <typename F>
void each_queue(SafetyChannels& c, F f) {
  f(0, c.inputs.size_approx(), c.inputs.capacity());
  f(1, c.replies.size_approx(), c.replies.capacity());
  f(2, c.events.size_approx(), c.events.capacity());
  f(3, c.latches.size_approx(), c.latches.capacity());
  f(4, c.pulses.size_approx(), c.pulses.capacity());
  f(5, c.snapshots.size_approx(), c.snapshots.capacity());
  f(6, c.telemetry.size_approx(), c.telemetry.capacity());
  f(7, c.logs.size_approx(), c.logs.capacity());
  f(8, c.identities.size_approx(), c.identities.capacity());
  f(9, c.pulse_logs.size_approx(), c.pulse_logs.capacity());
}

// The ladder's rung of a condition, on or above the fault rung: it counts as a fault.
bool is_fault(core::Condition condition) {
  return core::spec(condition).action >= core::Action::kFault;
}

}  // namespace

void MetricsBook::Follower::follow(std::uint64_t value, double scale) {
  if (value > last) {
    counter->Increment(static_cast<double>(value - last) * scale);
  }
  last = value;  // a source that went back (none does) starts over from there
}

void MetricsBook::HistogramFollower::follow(const LatencyHistogram& source) {
  std::vector<double> increments(kLatencyBuckets + 1);
  bool any = false;
  for (std::size_t i = 0; i <= kLatencyBuckets; ++i) {
    const std::uint64_t now = source.count(i);
    increments[i] = now > last[i] ? static_cast<double>(now - last[i]) : 0.0;
    any = any || now > last[i];
    last[i] = now;
  }
  const std::uint64_t sum = source.sum_us();
  const double sum_s = sum > last_sum_us ? static_cast<double>(sum - last_sum_us) / 1e6 : 0.0;
  last_sum_us = sum;
  if (any) {
    histogram->ObserveMultiple(increments, sum_s);
  }
}

MetricsBook::HistogramFollower MetricsBook::histogram(const std::string& name,
                                                      const std::string& help,
                                                      const LatencyBounds& bounds) {
  prometheus::Histogram::BucketBoundaries seconds;
  for (const std::uint32_t us : bounds) {
    seconds.push_back(static_cast<double>(us) / 1e6);
  }
  HistogramFollower f;
  f.histogram = &BuildHistogram().Name(name).Help(help).Register(*registry_).Add({}, seconds);
  return f;
}

MetricsBook::MetricsBook(const BuildInfo& build)
    : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& r = *registry_;
  BuildGauge()
      .Name("rfneedle_build_info")
      .Help("This build of rfneedled: its version, configuration and device protocol (always 1)")
      .Register(r)
      .Add({{"version", build.version},
            {"configuration_hash", build.configuration_hash},
            {"protocol_hash", build.protocol_hash}})
      .Set(1);

  auto& state = BuildGauge()
                    .Name("rfneedle_state")
                    .Help("The controller's state: 1 for the state it is in, 0 for the others")
                    .Register(r);
  for (std::size_t s = 0; s < core::kStateCount; ++s) {
    state_.push_back(&state.Add({{"state", text(stored_name(static_cast<core::State>(s)))}}));
  }
  session_open_ = &BuildGauge()
                       .Name("rfneedle_session_open")
                       .Help("1 while a treatment session is open (an upgrade waits for 0)")
                       .Register(r)
                       .Add({});
  auto& alarms = BuildGauge()
                     .Name("rfneedle_active_alarms")
                     .Help("Conditions in effect now, by IEC 60601-1-8 alarm priority")
                     .Register(r);
  for (std::size_t i = 0; i < kPriorities.size(); ++i) {
    alarms_[i] = &alarms.Add({{"priority", text(stored_name(kPriorities[i]))}});
  }
  faults_ = &BuildCounter()
                 .Name("rfneedle_faults_total")
                 .Help("Conditions on the fault rung or above (fault, needle stuck, service "
                       "lock) raised since rfneedled started, by condition")
                 .Register(r);
  // Every series from the start at 0, so a first fault is an increase a rule can see
  // (rate() and increase() miss a counter that appears at 1).
  for (std::size_t c = 0; c < core::kConditionCount; ++c) {
    const auto condition = static_cast<core::Condition>(c);
    if (is_fault(condition)) {
      fault_counters_[c] = &faults_->Add({{"condition", text(stored_name(condition))}});
    }
  }

  auto& pulses = BuildCounter()
                     .Name("rfneedle_pulses_total")
                     .Help("Final pulse records stored since rfneedled started, by kind and "
                           "outcome")
                     .Register(r);
  for (std::size_t k = 0; k < GatewayFigures::kKinds; ++k) {
    for (std::size_t o = 0; o < GatewayFigures::kOutcomes; ++o) {
      const auto outcome = static_cast<core::PulseOutcome>(o);
      if (outcome == core::PulseOutcome::kStarted) {
        continue;  // not an outcome: every pulse has one
      }
      pulses_[k][o].counter =
          &pulses.Add({{"kind", text(stored_name(static_cast<core::PulseKind>(k)))},
                       {"outcome", text(stored_name(outcome))}});
    }
  }
  pulses_delivered_.counter =
      &BuildCounter()
           .Name("rfneedle_pulses_delivered_total")
           .Help("Pulses in which the core saw RF on at the generator, since rfneedled started")
           .Register(r)
           .Add({});
  energy_.counter = &BuildCounter()
                         .Name("rfneedle_energy_delivered_joules_total")
                         .Help("Energy the generator reported delivered, over the final pulse "
                               "records stored since rfneedled started")
                         .Register(r)
                         .Add({});

  auto& missed = BuildCounter()
                     .Name("rfneedle_telemetry_samples_missed_total")
                     .Help("Telemetry samples missing from a board's sample counter sequence "
                           "(gaps), as the core counted them")
                     .Register(r);
  auto& sent = BuildCounter()
                   .Name("rfneedle_link_frames_sent_total")
                   .Help("Frames sent on a board's link")
                   .Register(r);
  auto& received = BuildCounter()
                       .Name("rfneedle_link_frames_received_total")
                       .Help("Valid frames received on a board's link")
                       .Register(r);
  auto& retransmissions = BuildCounter()
                              .Name("rfneedle_link_retransmissions_total")
                              .Help("Reliable frames sent again on a board's link")
                              .Register(r);
  auto& errors = BuildCounter()
                     .Name("rfneedle_link_errors_total")
                     .Help("Errors on a board's link, by kind (as GET /api/v1/service/link)")
                     .Register(r);
  for (std::size_t b = 0; b < kBoards.size(); ++b) {
    const prometheus::Labels board{{"board", text(kBoards[b])}};
    samples_missed_[b].counter = &missed.Add(board);
    links_[b].sent.counter = &sent.Add(board);
    links_[b].received.counter = &received.Add(board);
    links_[b].retransmissions.counter = &retransmissions.Add(board);
    for (std::size_t k = 0; k < kLinkErrorNames.size(); ++k) {
      links_[b].errors[k].counter =
          &errors.Add({{"board", text(kBoards[b])}, {"kind", text(kLinkErrorNames[k])}});
    }
  }

  ticks_.counter = &BuildCounter()
                        .Name("rfneedle_safety_ticks_total")
                        .Help("The safety thread's 1 kHz ticks")
                        .Register(r)
                        .Add({});
  late_ticks_.counter = &BuildCounter()
                             .Name("rfneedle_safety_late_ticks_total")
                             .Help("Ticks that woke a whole period or more past their "
                                   "deadline (the missed ones are not made up)")
                             .Register(r)
                             .Add({});
  tick_lateness_ = histogram("rfneedle_safety_tick_lateness_seconds",
                             "How late past its deadline each safety-thread tick woke",
                             kTickLatenessBoundsUs);
  rf_off_ = histogram("rfneedle_rf_off_commanded_seconds",
                      "From the input on which the core decided RF off (a sample, a tick, a "
                      "request) to the abort handed to the serial lines",
                      kRfOffBoundsUs);

  auto& drops = BuildCounter()
                    .Name("rfneedle_queue_dropped_total")
                    .Help("Items the safety thread dropped because a queue to the service "
                          "thread was full, by queue")
                    .Register(r);
  for (std::size_t i = 0; i < kDrops.size(); ++i) {
    drops_[i].counter = &drops.Add({{"queue", text(kDrops[i])}});
  }
  records_lost_.counter = &BuildCounter()
                               .Name("rfneedle_records_lost_total")
                               .Help("Latches and pulse records lost with the backlog full "
                                     "(a broken invariant: the core locks the device)")
                               .Register(r)
                               .Add({});
  records_held_ = &BuildGauge()
                       .Name("rfneedle_records_held")
                       .Help("Latches and pulse records the safety thread holds, waiting for "
                             "room in their queues")
                       .Register(r)
                       .Add({});
  auto& depth = BuildGauge()
                    .Name("rfneedle_queue_depth")
                    .Help("Items in a queue between the safety and service threads now")
                    .Register(r);
  auto& capacity = BuildGauge()
                       .Name("rfneedle_queue_capacity")
                       .Help("How many items a queue between the threads holds")
                       .Register(r);
  for (const std::string_view q : kQueueNames) {
    queue_depth_.push_back(&depth.Add({{"queue", text(q)}}));
    queue_capacity_.push_back(&capacity.Add({{"queue", text(q)}}));
  }
  auto& backlog = BuildGauge()
                      .Name("rfneedle_store_backlog_records")
                      .Help("Records taken from the safety thread and not yet stored, by record")
                      .Register(r);
  store_backlog_[0] = &backlog.Add({{"record", "event"}});
  store_backlog_[1] = &backlog.Add({{"record", "pulse"}});
  pulse_commit_ = histogram("rfneedle_store_pulse_commit_seconds",
                            "Each pulse record's commit to the store (the next pulse waits for "
                            "the last one)",
                            kCommitBoundsUs);
  event_commit_ = histogram("rfneedle_store_event_commit_seconds",
                            "Each event's commit to the store, refused ones included",
                            kCommitBoundsUs);

  cartridge_family_ = &BuildGauge()
                           .Name("rfneedle_cartridge_pulses_left")
                           .Help("Pulses the attached cartridge has left before its limit "
                                 "(absent while no cartridge is known)")
                           .Register(r);
  calibration_family_ = &BuildGauge()
                             .Name("rfneedle_calibration_due_timestamp_seconds")
                             .Help("When the generator's calibration in force is due, in "
                                   "seconds since 1970 UTC (the start of its due day; absent "
                                   "while none is in force)")
                             .Register(r);
}

MetricsBook::~MetricsBook() = default;

void MetricsBook::on_event(const StoredEvent& event) {
  if (event.kind != core::EventKind::kConditionRaised || !event.condition ||
      core::index(*event.condition) >= core::kConditionCount || !is_fault(*event.condition)) {
    return;
  }
  fault_counters_[core::index(*event.condition)]->Increment();
}

void MetricsBook::copy_status(const core::Status& status) {
  for (std::size_t s = 0; s < state_.size(); ++s) {
    state_[s]->Set(static_cast<std::size_t>(status.state) == s ? 1 : 0);
  }
  session_open_->Set(status.session_open ? 1 : 0);
  std::array<int, 3> alarms{};
  for (std::size_t c = 0; c < core::kConditionCount; ++c) {
    if (!status.in_effect.test(c)) {
      continue;
    }
    const core::AlarmPriority p = core::spec(static_cast<core::Condition>(c)).priority;
    for (std::size_t i = 0; i < kPriorities.size(); ++i) {
      alarms[i] += p == kPriorities[i] ? 1 : 0;
    }
  }
  for (std::size_t i = 0; i < alarms.size(); ++i) {
    alarms_[i]->Set(alarms[i]);
  }
  pulses_delivered_.follow(status.counters.pulses_delivered);
  samples_missed_[0].follow(status.counters.generator_samples_missed);
  samples_missed_[1].follow(status.counters.actuator_samples_missed);

  if (status.cartridge) {
    if (cartridge_left_ == nullptr) {
      cartridge_left_ = &cartridge_family_->Add({});
    }
    const core::CartridgeInfo& c = *status.cartridge;
    cartridge_left_->Set(c.pulses_used >= c.pulse_limit
                             ? 0.0
                             : static_cast<double>(c.pulse_limit - c.pulses_used));
  } else if (cartridge_left_ != nullptr) {
    cartridge_family_->Remove(cartridge_left_);
    cartridge_left_ = nullptr;
  }
  if (status.calibration && status.calibration->due_day != 0) {
    if (calibration_due_ == nullptr) {
      calibration_due_ = &calibration_family_->Add({});
    }
    calibration_due_->Set(static_cast<double>(status.calibration->due_day) * 86'400.0);
  } else if (calibration_due_ != nullptr) {
    calibration_family_->Remove(calibration_due_);
    calibration_due_ = nullptr;
  }
}

void MetricsBook::copy_loop(const SafetyLoopCounters& loop) {
  constexpr auto relaxed = std::memory_order_relaxed;
  for (std::size_t b = 0; b < links_.size(); ++b) {
    const LinkFigures& f = loop.links[b];
    links_[b].sent.follow(f.frames_sent.load(relaxed));
    links_[b].received.follow(f.frames_received.load(relaxed));
    links_[b].retransmissions.follow(f.retransmissions.load(relaxed));
    for (std::size_t k = 0; k < kLinkErrorNames.size(); ++k) {
      links_[b].errors[k].follow(f.errors[k].load(relaxed));
    }
  }
  ticks_.follow(loop.ticks.load(relaxed));
  late_ticks_.follow(loop.late_ticks.load(relaxed));
  drops_[0].follow(loop.telemetry_dropped.load(relaxed));
  drops_[1].follow(loop.snapshots_dropped.load(relaxed));
  drops_[2].follow(loop.events_dropped.load(relaxed));
  drops_[3].follow(loop.logs_dropped.load(relaxed));
  records_lost_.follow(loop.records_lost.load(relaxed));
  records_held_->Set(static_cast<double>(loop.records_held.load(relaxed)));
  tick_lateness_.follow(loop.tick_lateness);
  rf_off_.follow(loop.rf_off_commanded);
}

void MetricsBook::copy_queues(SafetyChannels& channels) {
  each_queue(channels, [this](std::size_t i, std::size_t depth, std::size_t capacity) {
    queue_depth_[i]->Set(static_cast<double>(depth));
    queue_capacity_[i]->Set(static_cast<double>(capacity));
  });
}

void MetricsBook::copy_gateway(const GatewayFigures& gateway) {
  for (std::size_t k = 0; k < GatewayFigures::kKinds; ++k) {
    for (std::size_t o = 0; o < GatewayFigures::kOutcomes; ++o) {
      if (pulses_[k][o].counter != nullptr) {
        pulses_[k][o].follow(gateway.pulses[k][o]);
      }
    }
  }
  energy_.follow(gateway.delivered_energy_uj, 1e-6);
  pulse_commit_.follow(gateway.pulse_commit);
  event_commit_.follow(gateway.event_commit);
}

std::string MetricsBook::scrape(const MetricsInputs& in) {
  if (in.status != nullptr) {
    copy_status(*in.status);
  }
  if (in.loop != nullptr) {
    copy_loop(*in.loop);
  }
  if (in.channels != nullptr) {
    copy_queues(*in.channels);
  }
  if (in.gateway != nullptr) {
    copy_gateway(*in.gateway);
  }
  store_backlog_[0]->Set(static_cast<double>(in.events_waiting));
  store_backlog_[1]->Set(static_cast<double>(in.pulses_waiting));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace rfneedle::daemon
