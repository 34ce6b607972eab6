// GET /metrics (issue 14, docs/api.md "Metrics"): the device's figures in Prometheus text
// format, through prometheus-cpp's registry and text serializer (Debian's
// prometheus-cpp-dev; not its civetweb exposer: the daemon's own Beast listener serves
// them). Everything here runs on the service thread. The safety thread never touches the
// registry (its families lock a mutex, SR-71): it only updates its own atomics
// (SafetyLoopCounters), and scrape() copies them, with the gateway's figures and the
// latest snapshot, into the registry at scrape time.
//
//   MetricsBook metrics({kSoftwareVersion, fingerprint, protocol_hash});
//   gateway.add_listener(metrics);               // faults by condition, from the events
//   api.metrics = [&] { return metrics.scrape(inputs()); };
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controller/core/status.h"
#include "controller/daemon/core_gateway.h"
#include "controller/daemon/device_gateway.h"
#include "controller/daemon/safety_records.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace rfneedle::daemon {

// What rfneedle_build_info carries.
struct BuildInfo {
  std::string version;             // kSoftwareVersion
  std::string configuration_hash;  // SHA-256 of the configuration file
  std::string protocol_hash;       // device.proto's, hex
};

// What one scrape reads; each pointer may be null (its metrics then keep their values).
struct MetricsInputs {
  const core::Status* status = nullptr;
  const SafetyLoopCounters* loop = nullptr;
  SafetyChannels* channels = nullptr;  // only their depths are read (size_approx)
  const GatewayFigures* gateway = nullptr;
  std::size_t events_waiting = 0;  // taken from the queues, not yet stored
  std::size_t pulses_waiting = 0;
};

class MetricsBook final : public DeviceListener {
 public:
  explicit MetricsBook(const BuildInfo& build);
  ~MetricsBook();
  MetricsBook(const MetricsBook&) = delete;
  MetricsBook& operator=(const MetricsBook&) = delete;

  // Copies `in` into the registry and returns its text exposition.
  [[nodiscard]] std::string scrape(const MetricsInputs& in);

  // DeviceListener: a condition raised on the fault rung or above counts in
  // rfneedle_faults_total{condition}.
  void on_event(const StoredEvent& event) override;
  void on_snapshot(const core::Status& /*status*/) override {}
  void on_telemetry(const TelemetrySample& /*sample*/) override {}

 private:
  // A Prometheus counter that follows a monotonic source: raised by the difference.
  struct Follower {
    prometheus::Counter* counter = nullptr;
    std::uint64_t last = 0;
    void follow(std::uint64_t value, double scale = 1.0);
  };
  // A Prometheus histogram that follows a LatencyHistogram: each bucket raised by its
  // difference.
  struct HistogramFollower {
    prometheus::Histogram* histogram = nullptr;
    std::array<std::uint64_t, kLatencyBuckets + 1> last{};
    std::uint64_t last_sum_us = 0;
    void follow(const LatencyHistogram& source);
  };
  HistogramFollower histogram(const std::string& name, const std::string& help,
                              const LatencyBounds& bounds);
  void copy_status(const core::Status& status);
  void copy_loop(const SafetyLoopCounters& loop);
  void copy_queues(SafetyChannels& channels);
  void copy_gateway(const GatewayFigures& gateway);

  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<prometheus::Gauge*> state_;  // by core::State
  prometheus::Gauge* session_open_ = nullptr;
  std::array<prometheus::Gauge*, 3> alarms_{};  // low, medium, high
  prometheus::Family<prometheus::Counter>* faults_ = nullptr;
  std::array<prometheus::Counter*, core::kConditionCount> fault_counters_{};
  std::array<std::array<Follower, GatewayFigures::kOutcomes>, GatewayFigures::kKinds> pulses_{};
  Follower pulses_delivered_;
  Follower energy_;
  std::array<Follower, 2> samples_missed_{};  // by core::Board
  struct LinkFollowers {
    Follower sent, received, retransmissions;
    std::array<Follower, kLinkErrorNames.size()> errors{};
  };
  std::array<LinkFollowers, 2> links_{};
  Follower ticks_, late_ticks_;
  std::array<Follower, 4> drops_{};  // telemetry, snapshots, events, logs
  Follower records_lost_;
  prometheus::Gauge* records_held_ = nullptr;
  std::vector<prometheus::Gauge*> queue_depth_;     // kQueueNames' order
  std::vector<prometheus::Gauge*> queue_capacity_;
  std::array<prometheus::Gauge*, 2> store_backlog_{};  // events, pulses
  HistogramFollower tick_lateness_, rf_off_, pulse_commit_, event_commit_;
  prometheus::Family<prometheus::Gauge>* cartridge_family_ = nullptr;
  prometheus::Gauge* cartridge_left_ = nullptr;  // while a cartridge is known
  prometheus::Family<prometheus::Gauge>* calibration_family_ = nullptr;
  prometheus::Gauge* calibration_due_ = nullptr;  // while a calibration is in force
};

}  // namespace rfneedle::daemon
