// A fleet of simulated devices side by side (issue 15): N rfneedle-sim + rfneedled pairs
// (tests/support/device_processes.h: each its own directory, data directory, ports, seed,
// generated accounts, and a metrics-only listener on a free loopback port), each running an
// auto-triggered treatment with a plan of its own inside the envelope (a display connected,
// a session with its checklist answered, the plan set, armed: TreatmentRunner, which clears
// the host's telemetry-gap faults as docs/operations.md says and leaves any other latch for
// the monitoring to see), and optionally a real Prometheus scraping them all
// (prometheus_server.h). `rfneedle-fleet` (fleet_main.cpp, `tools/dev fleet`) and
// `fleet_bench` are built on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proto/api.pb.h"
#include "tests/bench/device/prometheus_server.h"
#include "tests/support/device_processes.h"
#include "tests/support/treatment_runner.h"

namespace rfneedle::bench {

// One device's treatment: the body area, the parameters and how often the simulator's
// auto-trigger presses (an operator stamping across the area).
struct TreatmentPlan {
  api::BodyArea area = api::BODY_AREA_CHEEK;
  std::int32_t depth_um = 2000;
  std::int32_t power_mw = 10'000;
  std::int32_t duration_ms = 100;
  double trigger_hz = 1.0;
};
// The plan of the `index`th device (from 0): each differs from the others, every one inside
// DESIGN 4's envelope and its area's depth range, within the face cartridge's energy cap.
[[nodiscard]] TreatmentPlan plan_for(int index);
[[nodiscard]] std::string describe(const TreatmentPlan& plan);

struct FleetOptions {
  int devices = 3;
  std::uint64_t first_seed = 1;  // device i (from 0) runs rfneedle-sim --seed first_seed + i
  // Prometheus to start (empty: none), the rules it loads, where its directory goes.
  std::filesystem::path prometheus{};
  std::filesystem::path rules{};
  std::filesystem::path prometheus_dir{};
  bool keep_dirs = false;  // keep every device's directory after the fleet stops
  // Stops starting devices when it becomes true (a signal during start-up).
  const std::atomic<bool>* cancelled = nullptr;
};

class FleetDevice {
 public:
  // `cancelled` (may be null): the fleet is being stopped (a signal), so a process that
  // ends is no news and a lost pair is not replaced.
  FleetDevice(const testing::DevicePrograms& programs, int index, std::uint64_t seed, bool keep_dir,
              const std::atomic<bool>* cancelled = nullptr);
  ~FleetDevice();  // stops the treatment, then rfneedled, then rfneedle-sim
  FleetDevice(const FleetDevice&) = delete;
  FleetDevice& operator=(const FleetDevice&) = delete;

  // Starts the treatment on its own thread; it runs until stop_treatment().
  void start_treatment();
  void stop_treatment();

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const TreatmentPlan& plan() const { return plan_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] const std::string& metrics_address() const { return metrics_address_; }
  [[nodiscard]] const std::string& api_address() const { return api_address_; }
  // The simulator's control socket and rfneedled's pid now (a replaced pair has new ones).
  [[nodiscard]] std::filesystem::path control_path() const;
  [[nodiscard]] pid_t daemon_pid() const;
  [[nodiscard]] pid_t simulator_pid() const;
  // One line: API and metrics URLs, data directory, credentials, the simulator's socket.
  [[nodiscard]] std::string summary() const;
  // Why the treatment stopped before stop_treatment() (an unexpected latch, a lost
  // process), if it did.
  [[nodiscard]] std::optional<std::string> stopped_because() const;
  [[nodiscard]] std::size_t host_faults_cleared() const;
  // Armed and treating now (the set-up done; false again while a failure is dealt with).
  [[nodiscard]] bool treating() const { return treating_; }
  // Pairs replaced because the host starved them into a link fault (is_host_disturbed).
  [[nodiscard]] int replacements() const { return replacements_; }

 private:
  // A fresh pair of processes on this device's ports, at most kStartTries times while the
  // host disturbs its start-up.
  void start_processes();
  void treat();
  void treat_once();
  // What follows a treatment that ended by an exception, from the device's status: again
  // (a request raced a host fault), a fresh pair (the host starved it into a link fault),
  // or nothing (a latch of any other cause, for the monitoring to see).
  enum class Next { kRetry, kReplace, kStop };
  [[nodiscard]] Next after_failure();
  void prepare_retry();
  // False when the fresh pair did not start (stopped_because() says why).
  bool replace();
  [[nodiscard]] bool ending() const {
    return stopping_ || (cancelled_ != nullptr && cancelled_->load());
  }

  std::string name_;
  TreatmentPlan plan_;
  std::uint64_t seed_;
  bool keep_dir_;
  const std::atomic<bool>* cancelled_;
  const testing::DevicePrograms programs_;
  // Fixed for the fleet's life, so Prometheus's targets hold when a pair is replaced.
  std::string api_address_;
  std::string metrics_address_;
  std::unique_ptr<testing::DeviceProcesses> device_;  // guarded by mutex_ once treating
  std::size_t host_faults_before_ = 0;                // cleared on replaced pairs
  std::atomic<int> replacements_{0};
  std::atomic<bool> treating_{false};
  std::unique_ptr<testing::TreatmentRunner> runner_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::optional<std::string> stopped_because_;
};

class Fleet {
 public:
  // Starts the devices one after another (each waits for Standby), their treatments, then
  // Prometheus. Throws testing::DeviceError or BenchError naming what did not start; what
  // did start is stopped again.
  Fleet(const testing::DevicePrograms& programs, const FleetOptions& options);
  ~Fleet();  // the treatments, the devices (controller first), then Prometheus
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  [[nodiscard]] std::vector<std::unique_ptr<FleetDevice>>& devices() { return devices_; }
  [[nodiscard]] PrometheusServer* prometheus() { return prometheus_.get(); }
  // Ends everything in order now (the destructor does the same).
  void stop();

 private:
  std::vector<std::unique_ptr<FleetDevice>> devices_;
  std::unique_ptr<PrometheusServer> prometheus_;
};

// Writes a line to stdout and flushes it, one line at a time across threads.
void print_line(const std::string& line);

}  // namespace rfneedle::bench
