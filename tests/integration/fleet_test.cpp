// `rfneedle-fleet 3` (tools/dev fleet, docs/operations.md "Fleets") as a child process, and
// the real Prometheus it starts, asked over its HTTP API (/api/v1/query, /api/v1/alerts):
// every device scraped (`up` 1) and its pulse counter rising; a skin over-temperature
// injected into one device's simulator fires that device's alerts and no other device's;
// SIGTERM stops the fleet with exit status 0 and leaves no process of it behind.
//
// Everything asserted is Prometheus's answer; the test's own clock only says when to give up.
// The host's scheduling makes telemetry-gap faults and now and then link faults on any device
// of a loaded machine (docs/operations.md, "Testing with the real processes"): their alerts
// fire where they happened, rightly, so "no other device's" is held for the alerts of the
// injected cause (`condition="skin_overheat"`), which nothing but the injection raises.
//
//   fleet_test [gtest flags] RFNEEDLE_FLEET PROGRAMS_DIR RULES_FILE
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/bench/device/device_bench.h"
#include "tests/bench/device/prometheus_server.h"
#include "tests/support/child_process.h"
#include "tests/support/device_processes.h"

namespace {

namespace fs = std::filesystem;
using rfneedle::bench::PromAlert;
using rfneedle::bench::PrometheusApi;
using rfneedle::bench::PromSample;
using rfneedle::testing::ChildProcess;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string g_fleet;
std::string g_programs;
std::string g_rules;

constexpr int kDevices = 3;
const char* const kInjected = "fleet-2";

// What the fleet printed: Prometheus's port and directory, each device's latest control socket
// (a pair the host starved is replaced and printed again).
struct FleetOutput {
  std::uint16_t prometheus_port = 0;
  fs::path prometheus_config;
  std::map<std::string, fs::path> control;
  std::map<std::string, std::uint16_t> metrics_port;
  std::set<std::string> device_dirs;
  bool ready = false;
};

FleetOutput parse(const std::string& out) {
  FleetOutput f;
  const std::regex prometheus(R"(^prometheus: http://127\.0\.0\.1:([0-9]+)/  \(config (\S+),)");
  const std::regex device(
      R"(^(fleet-[0-9]+): api .* metrics http://127\.0\.0\.1:([0-9]+)/metrics .* sim control (\S+)  seed)");
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, prometheus)) {
      f.prometheus_port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
      f.prometheus_config = m[2].str();
    } else if (std::regex_search(line, m, device)) {
      f.metrics_port[m[1].str()] = static_cast<std::uint16_t>(std::stoi(m[2].str()));
      f.control[m[1].str()] = m[3].str();
      f.device_dirs.insert(fs::path(m[3].str()).parent_path().string());
    } else if (line.find(" devices treating") != std::string::npos) {
      f.ready = true;
    }
  }
  return f;
}

// One request line to a simulator's control socket; its answer line ("" if none).
std::string sim_control(const fs::path& socket_path, const std::string& line) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  timeval timeout{};
  timeout.tv_sec = 5;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socket_path.string().copy(address.sun_path, sizeof address.sun_path - 1);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const std::string request = line + "\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      ssize_t n = 0;
      while (answer.find('\n') == std::string::npos &&
             (n = ::read(fd, buffer, sizeof buffer)) > 0) {
        answer.append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  return answer.substr(0, answer.find('\n'));
}

// The processes whose command line names one of `needles` (the fleet's directories).
std::vector<std::string> processes_naming(const std::set<std::string>& needles) {
  std::vector<std::string> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    return found;
  }
  while (const dirent* entry = ::readdir(proc)) {
    const std::string pid = entry->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream in("/proc/" + pid + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    for (const std::string& needle : needles) {
      if (!needle.empty() && cmdline.find(needle) != std::string::npos) {
        found.push_back(pid + ": " + cmdline);
        break;
      }
    }
  }
  ::closedir(proc);
  return found;
}

std::string describe(const std::vector<PromAlert>& alerts) {
  std::string out;
  for (const PromAlert& a : alerts) {
    out += "\n  " + a.state + ":";
    for (const auto& [k, v] : a.labels) {
      out += " " + k + "=" + v;
    }
  }
  return out.empty() ? " (none)" : out;
}

bool is(const PromAlert& a, const std::string& alertname, const std::string& device) {
  const auto name = a.labels.find("alertname");
  const auto dev = a.labels.find("device");
  return name != a.labels.end() && name->second == alertname && dev != a.labels.end() &&
         dev->second == device;
}

std::string label(const PromSample& s, const std::string& name) {
  const auto it = s.labels.find(name);
  return it == s.labels.end() ? "" : it->second;
}

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!rfneedle::bench::find_on_path("prometheus")) {
      GTEST_SKIP() << "no prometheus on $PATH (Debian's prometheus: tools/dev installs it)";
    }
    out_dir_ = fs::temp_directory_path() / ("rfneedle-fleet-test-" + std::to_string(::getpid()));
    fs::create_directories(out_dir_);
  }
  void TearDown() override {
    stop_fleet();
    if (HasFailure() && fleet_) {
      print_fleet_output();
      return;
    }
    std::error_code ec;
    fs::remove_all(out_dir_, ec);
  }
  void stop_fleet() {
    if (fleet_ && fleet_->running()) {
      fleet_->signal(SIGTERM);
      (void)fleet_->wait(seconds(60));
    }
  }
  void print_fleet_output() const {
    std::cout << "fleet's output:\n"
              << fleet_->standard_output() << "\n"
              << fleet_->standard_error() << "\nkept " << out_dir_ << "\n";
  }
  // The worst lateness of the fleet's own ticks, each simulator asked on its control socket
  // and each rfneedled on its metrics listener (the host's evidence,
  // tests/support/device_processes.h); -1 if none answered.
  std::int64_t fleet_worst_tick_late_us() const {
    std::int64_t worst = -1;
    const FleetOutput o = output();
    for (const auto& [device, control] : o.control) {
      try {
        worst = std::max(
            worst,
            rfneedle::testing::parse_sim_status(sim_control(control, "status")).worst_tick_late_us);
      } catch (const rfneedle::testing::DeviceError&) {
      }
    }
    for (const auto& [device, port] : o.metrics_port) {
      const rfneedle::testing::ApiResponse r =
          rfneedle::testing::ApiClient("127.0.0.1", port).get("/metrics");
      if (r.ok()) {
        worst = std::max(worst, rfneedle::testing::safety_tick_exceeded_us(r.body));
      }
    }
    return worst;
  }
  FleetOutput output() const { return parse(fleet_->standard_output()); }
  void run_fleet();

  fs::path out_dir_;
  int attempts_ = 0;
  std::unique_ptr<ChildProcess> fleet_;
};

TEST_F(FleetTest, PrometheusSeesEveryDeviceAndAnInjectedFaultAlertsOnlyItsDevice) {
  // A fleet the host starved (the fleet's own boards' tick stalled) runs again as a fresh one
  // (on_fresh_processes, tests/support/device_processes.h).
  const auto starved = rfneedle::testing::on_fresh_processes(2, [&] { run_fleet(); });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
}

void FleetTest::run_fleet() {
  if (fleet_) {  // the previous fleet was lost to the host
    stop_fleet();
    print_fleet_output();
  }
  const fs::path attempt_dir = out_dir_ / ("attempt-" + std::to_string(++attempts_));
  fs::create_directories(attempt_dir);
  fleet_ = std::make_unique<ChildProcess>(
      g_fleet,
      std::vector<std::string>{std::to_string(kDevices), "--minutes", "20", "--programs",
                               g_programs, "--rules", g_rules},
      attempt_dir);
  rfneedle::testing::TickWatch watch([&] { return fleet_worst_tick_late_us(); });
  // Ready, and a line for every device (a pair being replaced just then is printed once its
  // fresh pair runs).
  ASSERT_TRUE(rfneedle::testing::eventually(
      [&] {
        const FleetOutput o = output();
        return !fleet_->running() ||
               (o.ready && o.control.size() == static_cast<std::size_t>(kDevices));
      },
      std::chrono::minutes(4)))
      << fleet_->standard_output() << fleet_->standard_error();
  ASSERT_TRUE(fleet_->running()) << fleet_->standard_error();
  const FleetOutput started = output();
  ASSERT_NE(started.prometheus_port, 0) << fleet_->standard_output();
  ASSERT_EQ(started.control.size(), static_cast<std::size_t>(kDevices));
  const PrometheusApi prometheus(started.prometheus_port);

  // Every device scraped: `up` 1 for all three at once.
  std::vector<PromSample> up;
  EXPECT_TRUE(rfneedle::testing::eventually(
      [&] {
        up = prometheus.query(R"(up{job="rfneedle"} == 1)");
        return up.size() == static_cast<std::size_t>(kDevices);
      },
      std::chrono::minutes(2)))
      << up.size() << " of " << kDevices << " devices up";

  // Every device's pulse counter rises between two of Prometheus's answers (a pair the host
  // starved and replaced starts again from 0: the later reading is compared with the lowest
  // seen since).
  for (int i = 1; i <= kDevices; ++i) {
    const std::string device = "fleet-" + std::to_string(i);
    const std::string expr = "rfneedle_pulses_delivered_total{device=\"" + device + "\"}";
    std::optional<double> lowest;
    double latest = -1;
    EXPECT_TRUE(rfneedle::testing::eventually(
        [&] {
          const std::vector<PromSample> s = prometheus.query(expr);
          if (s.size() != 1) {
            return false;
          }
          latest = s[0].value;
          if (lowest && latest > *lowest) {
            return true;
          }
          lowest = lowest ? std::min(*lowest, latest) : latest;
          std::this_thread::sleep_for(milliseconds(500));
          return false;
        },
        std::chrono::minutes(2)))
        << device << ": pulses delivered stayed at " << latest;
  }

  // Skin over-temperature on fleet-2: both thermistors follow the skin up to 47 °C at 3 °C/s
  // (a plausible rate, SR-28), past SR-26's 45 °C fault limit.
  std::vector<PromAlert> alerts;
  fs::path injected_into;
  const auto injected_alerts_firing = [&] {
    const fs::path now = output().control.at(kInjected);
    if (now != injected_into) {  // first time, or the pair was replaced since
      const std::string answer = sim_control(now, "inject skin-heating target=47 rate=3");
      if (answer.find("\"ok\":true") == std::string::npos) {
        return false;
      }
      injected_into = now;
    }
    alerts = prometheus.alerts();
    bool latched = false;
    bool raised = false;
    for (const PromAlert& a : alerts) {
      latched = latched || (is(a, "RfneedleDeviceLatched", kInjected) && a.state == "firing" &&
                            a.labels.at("state") == "Fault");
      raised =
          raised || (is(a, "RfneedleFaultRaised", kInjected) && a.state == "firing" &&
                     a.labels.count("condition") && a.labels.at("condition") == "skin_overheat");
    }
    std::this_thread::sleep_for(milliseconds(500));
    return latched && raised;
  };
  EXPECT_TRUE(rfneedle::testing::eventually(injected_alerts_firing, std::chrono::minutes(3)))
      << "alerts:" << describe(alerts);

  // No other device has an alert of that cause, pending or firing, and Prometheus's counts
  // say the same: one skin_overheat on fleet-2, none elsewhere.
  alerts = prometheus.alerts();
  for (const PromAlert& a : alerts) {
    const auto condition = a.labels.find("condition");
    if (condition != a.labels.end() && condition->second == "skin_overheat") {
      EXPECT_EQ(a.labels.at("device"), kInjected) << "alerts:" << describe(alerts);
    }
  }
  const std::vector<PromSample> overheats =
      prometheus.query(R"(rfneedle_faults_total{condition="skin_overheat"})");
  EXPECT_EQ(overheats.size(), static_cast<std::size_t>(kDevices));
  for (const PromSample& s : overheats) {
    EXPECT_EQ(s.value, label(s, "device") == kInjected ? 1.0 : 0.0) << label(s, "device");
  }

  // SIGTERM: everything stops in order, nothing of the fleet is left running.
  const FleetOutput last = output();
  std::set<std::string> needles = last.device_dirs;
  needles.insert(last.prometheus_config.parent_path().parent_path().string());
  watch.end();
  fleet_->signal(SIGTERM);
  const std::optional<int> status = fleet_->wait(std::chrono::minutes(2));
  ASSERT_TRUE(status.has_value()) << "rfneedle-fleet still running 2 minutes after SIGTERM";
  EXPECT_EQ(*status, 0) << fleet_->standard_error();
  EXPECT_THAT(fleet_->standard_output(), ::testing::HasSubstr("fleet: stopped"));
  EXPECT_THAT(processes_naming(needles), ::testing::IsEmpty());
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s [gtest flags] RFNEEDLE_FLEET PROGRAMS_DIR RULES_FILE\n",
                 argv[0]);
    return 2;
  }
  g_fleet = argv[1];
  g_programs = argv[2];
  g_rules = argv[3];
  return RUN_ALL_TESTS();
}
