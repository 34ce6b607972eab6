#include "tests/bench/device/fleet.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/bench/device/device_bench.h"

namespace rfneedle::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Inside DESIGN 4's envelope and each area's default depth range, and at most 1.2 J a pulse
// (the energy cap is 62 mJ per needle: 1.55 J for the simulator's 25-needle face cartridge),
// at powers the generator reaches into 1.4 times the tissue's impedance within its 120 V.
constexpr std::array<TreatmentPlan, 8> kPlans = {{
    {api::BODY_AREA_CHEEK, 2000, 10'000, 100, 1.0},
    {api::BODY_AREA_FOREHEAD, 1200, 8'000, 80, 0.8},
    {api::BODY_AREA_NECK, 1500, 11'000, 90, 1.2},
    {api::BODY_AREA_CHIN, 1500, 9'000, 120, 0.7},
    {api::BODY_AREA_NOSE, 1500, 7'000, 100, 0.9},
    {api::BODY_AREA_CHEST, 1500, 10'000, 110, 1.1},
    {api::BODY_AREA_CHEEK, 3000, 12'000, 80, 0.6},
    {api::BODY_AREA_FOREHEAD, 1000, 6'000, 150, 1.0},
}};

// A treatment that runs until it is stopped.
constexpr milliseconds kForever = std::chrono::hours(24 * 365);
// Start-ups of one device the host may disturb (a link fault) before the fleet gives up.
constexpr int kStartTries = 3;
// Treatments of one pair a host fault may interrupt (a request racing it) before the pair
// is replaced.
constexpr int kRetries = 5;

// One device's set-up at a time across the fleet: a start-up hashes two secrets and a
// log-in checks one (Argon2id, seconds of CPU on a loaded machine), and several at once
// starve the pairs already running into link faults.
std::mutex& setup_mutex() {
  static std::mutex m;
  return m;
}

std::mutex& output_mutex() {
  static std::mutex m;
  return m;
}

std::string first_line(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

// The directories DeviceProcesses made for this process (`rfneedle-device-<pid>-<n>` in the
// temporary directory).
std::set<std::filesystem::path> own_device_dirs() {
  std::set<std::filesystem::path> out;
  const std::string prefix = "rfneedle-device-" + std::to_string(::getpid()) + "-";
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) {
      out.insert(entry.path());
    }
  }
  return out;
}

}  // namespace

void print_line(const std::string& line) {
  const std::lock_guard lock(output_mutex());
  std::cout << line << std::endl;
}

TreatmentPlan plan_for(int index) {
  TreatmentPlan plan = kPlans[static_cast<std::size_t>(index) % kPlans.size()];
  // Past the table: the same areas, 0.5 W less per round (never under 4 W), pressed a
  // little more slowly, so no two devices share a plan.
  const int round = index / static_cast<int>(kPlans.size());
  plan.power_mw = std::max(4'000, plan.power_mw - 500 * round);
  plan.trigger_hz = std::max(0.3, plan.trigger_hz - 0.05 * round);
  return plan;
}

std::string describe(const TreatmentPlan& plan) {
  std::ostringstream out;
  std::string area = api::BodyArea_Name(plan.area);
  area = area.substr(area.rfind('_') + 1);
  for (char& c : area) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  out << area << " " << plan.depth_um / 1000.0 << " mm " << plan.power_mw / 1000.0 << " W "
      << plan.duration_ms << " ms, trigger " << plan.trigger_hz << " Hz";
  return out.str();
}

FleetDevice::FleetDevice(const testing::DevicePrograms& programs, int index, std::uint64_t seed,
                         bool keep_dir, const std::atomic<bool>* cancelled)
    : name_("fleet-" + std::to_string(index + 1)),
      plan_(plan_for(index)),
      seed_(seed),
      keep_dir_(keep_dir),
      cancelled_(cancelled),
      programs_(programs),
      api_address_("127.0.0.1:" + std::to_string(free_loopback_port())),
      metrics_address_("127.0.0.1:" + std::to_string(free_loopback_port())) {
  start_processes();
}

void FleetDevice::start_processes() {
  const std::lock_guard setup(setup_mutex());
  for (int attempt = 1;; ++attempt) {
    const std::set<std::filesystem::path> before = own_device_dirs();
    try {
      auto device = std::make_unique<testing::DeviceProcesses>(
          programs_, testing::DeviceOptions{.seed = seed_,
                                            .auto_trigger_hz = plan_.trigger_hz,
                                            .daemon_args = {"--listen", api_address_,
                                                            "--metrics-listen", metrics_address_}});
      if (keep_dir_) {
        device->keep_dir();
      }
      const std::lock_guard lock(mutex_);
      device_ = std::move(device);
      return;
    } catch (const testing::HostDisturbed& e) {
      // A DeviceProcesses that threw from its constructor killed its processes but left
      // its directory; only this start-up made one since `before` (the set-up lock).
      for (const std::filesystem::path& dir : own_device_dirs()) {
        std::error_code ec;
        if (!keep_dir_ && !before.contains(dir)) {
          std::filesystem::remove_all(dir, ec);
        }
      }
      if (attempt >= kStartTries || ending()) {
        throw;
      }
      print_line(name_ +
                 ": start-up lost to the host, again on fresh processes: " + first_line(e.what()));
    }
  }
}

FleetDevice::~FleetDevice() {
  stop_treatment();
  runner_.reset();  // the display disconnects
  device_.reset();  // SIGTERM to rfneedled (RF off, records flushed), then to rfneedle-sim
}

void FleetDevice::start_treatment() {
  thread_ = std::thread([this] { treat(); });
}

void FleetDevice::stop_treatment() {
  stopping_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
}

void FleetDevice::treat_once() {
  {
    const std::lock_guard setup(setup_mutex());
    // A host fault since Standby (a gap) is cleared first; a session opens only in Standby.
    (void)device_->wait_for_standby();
    runner_ = std::make_unique<testing::TreatmentRunner>(*device_);
    runner_->open(
        testing::DeviceProcesses::parameters(plan_.depth_um, plan_.power_mw, plan_.duration_ms),
        plan_.area);
    runner_->arm();
  }
  treating_ = true;
  (void)runner_->run_until([this](const api::Status&) { return ending(); }, kForever);
}

void FleetDevice::prepare_retry() {
  // The latch the host made is cleared (as the policy says); the session it interrupted is
  // closed, and a fresh cartridge goes in: the old one is bound to that session.
  const std::lock_guard setup(setup_mutex());
  const api::Status s = device_->wait_for_standby();
  if (s.session().open()) {
    const std::string op = device_->login_operator();
    const testing::ApiResponse closed = device_->api().post("/api/v1/session/close", op);
    if (!closed.ok()) {
      throw testing::DeviceError("POST /api/v1/session/close: " + closed.describe());
    }
  }
  (void)device_->control("cartridge swap");
}

FleetDevice::Next FleetDevice::after_failure() {
  api::Status now;
  try {
    now = device_->status();
  } catch (const testing::DeviceError&) {
    return Next::kReplace;  // rfneedled no longer answers
  }
  if (!testing::is_latched(now.state()) || testing::is_host_latch(now)) {
    return Next::kRetry;  // a request raced a host fault, or the host's latch came back
  }
  return testing::is_host_disturbed(now) ? Next::kReplace : Next::kStop;
}

bool FleetDevice::replace() {
  runner_.reset();
  {
    const std::lock_guard lock(mutex_);
    host_faults_before_ += device_->host_fault_log().size();
    device_.reset();
  }
  ++replacements_;
  try {
    start_processes();
    print_line(summary());
    return true;
  } catch (const std::exception& again) {
    if (!ending()) {  // else the stop reached the fresh pair while it started
      const std::lock_guard lock(mutex_);
      stopped_because_ = "could not be replaced: " + first_line(again.what());
    }
    return false;
  }
}

void FleetDevice::treat() {
  int retries = 0;
  while (!ending()) {
    Next next = Next::kStop;
    std::string why;
    try {
      if (retries > 0) {
        prepare_retry();
      }
      treat_once();
      return;
    } catch (const testing::HostDisturbed& e) {
      treating_ = false;
      next = Next::kReplace;
      why = first_line(e.what());
    } catch (const std::exception& e) {
      treating_ = false;
      why = first_line(e.what());
      next = ending() ? Next::kStop : after_failure();
    }
    if (ending()) {
      return;  // ended by the stop itself (a Ctrl-C reached the processes first)
    }
    if (next == Next::kRetry && ++retries <= kRetries) {
      print_line(name_ + ": the host's fault got in the way (" + why + "); treating again");
      runner_.reset();
      continue;
    }
    if (next != Next::kStop) {
      // A latched link fault has no way back but a restart (docs/operations.md, "Testing
      // with the real processes"), nor has a pair that keeps failing: a fresh pair on the
      // same ports, counted and printed.
      print_line(name_ + ": lost to the host (" + why +
                 "); replaced by a fresh pair on the same ports");
      retries = 0;
      if (replace()) {
        continue;
      }
      return;
    }
    // Any other latch is left as it is, for the monitoring to see; the display stays
    // connected (the runner lives on).
    {
      const std::lock_guard lock(mutex_);
      stopped_because_ = why;
    }
    print_line(name_ + ": treatment stopped: " + why);
    return;
  }
}

std::optional<std::string> FleetDevice::stopped_because() const {
  const std::lock_guard lock(mutex_);
  return stopped_because_;
}

std::size_t FleetDevice::host_faults_cleared() const {
  const std::lock_guard lock(mutex_);
  return host_faults_before_ + (device_ ? device_->host_fault_log().size() : 0);
}

std::filesystem::path FleetDevice::control_path() const {
  const std::lock_guard lock(mutex_);
  return device_ ? device_->control_path() : std::filesystem::path();
}

pid_t FleetDevice::daemon_pid() const {
  const std::lock_guard lock(mutex_);
  return device_ ? device_->daemon().pid() : -1;
}

pid_t FleetDevice::simulator_pid() const {
  const std::lock_guard lock(mutex_);
  return device_ && device_->simulator() != nullptr ? device_->simulator()->pid() : -1;
}

std::string FleetDevice::summary() const {
  const std::lock_guard lock(mutex_);
  if (!device_) {
    return name_ + ": no processes (" + stopped_because_.value_or("not started") + ")";
  }
  std::ostringstream out;
  out << name_ << ": api http://" << api_address_ << "/  metrics http://" << metrics_address_
      << "/metrics  data " << device_->data_dir().string() << "  operator "
      << device_->operator_user() << " PIN " << device_->operator_pin() << "  service key "
      << device_->service_key() << "  sim control " << device_->control_path().string() << "  seed "
      << seed_ << "  plan " << describe(plan_);
  return out.str();
}

Fleet::Fleet(const testing::DevicePrograms& programs, const FleetOptions& options) {
  for (int i = 0; i < options.devices; ++i) {
    if (options.cancelled != nullptr && options.cancelled->load()) {
      throw BenchError("cancelled while starting device " + std::to_string(i + 1));
    }
    devices_.push_back(std::make_unique<FleetDevice>(
        programs, i, options.first_seed + static_cast<std::uint64_t>(i), options.keep_dirs,
        options.cancelled));
    std::fprintf(stderr, "fleet: %s started (%d of %d)\n", devices_.back()->name().c_str(), i + 1,
                 options.devices);
  }
  for (auto& d : devices_) {
    d->start_treatment();
  }
  if (options.prometheus.empty()) {
    return;
  }
  std::vector<ScrapeTarget> targets;
  for (const auto& d : devices_) {
    targets.push_back({d->name(), d->metrics_address()});
  }
  prometheus_ = std::make_unique<PrometheusServer>(options.prometheus, options.prometheus_dir,
                                                   options.rules, targets);
}

Fleet::~Fleet() { stop(); }

void Fleet::stop() {
  for (auto& d : devices_) {
    d->stop_treatment();
  }
  devices_.clear();
  prometheus_.reset();
}

}  // namespace rfneedle::bench
