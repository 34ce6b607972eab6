// How many devices one machine runs (issue 15): fleets of N rfneedle-sim + rfneedled pairs
// side by side (fleet.h: each treating with its own plan, auto-triggered, its display
// connected), every pair for 60 s in real time. A fleet passes when, over those 60 s, no
// device had a link fault, a telemetry gap fault (SR-40) or a missing telemetry sample, and
// none was lost or replaced; each read from the devices' own GET /metrics before and after.
// N runs 1, 2, 4, 8, 12, 16 until a fleet fails, then bisects between the last that passed
// and the first that failed. The host's scheduling makes a gap now and then on any fleet
// (docs/operations.md, "Testing with the real processes"), so a fleet that fails is run once
// more and passes if that second run is clean.
//
//   devices_per_machine   the largest N that passed
//   cpu_per_pair_pct      CPU (user + system) of one pair, rfneedle-sim and rfneedled
//                         together, in % of one core, averaged over that fleet's 60 s
//   fleet_load_average    the machine's 1-minute load average when the search began
//
// A benchmark, not a test: it prints what it measured and asserts nothing.
//
//   fleet_bench --programs build-release/bin [--quick] [--seconds S] [--max N]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/bench/device/device_bench.h"
#include "tests/bench/device/figures.h"
#include "tests/bench/device/fleet.h"
#include "tests/bench/device/process_stats.h"
#include "tests/support/api_client.h"
#include "tests/support/child_process.h"

namespace {

using namespace rfneedle::bench;
using std::chrono::microseconds;

// The sum of every sample of `metric` whose line holds each of `labels` (e.g.
// `kind="link_fault"`), in Prometheus's text format.
double sum_of(const std::string& text, const std::string& metric,
              const std::vector<std::string>& labels = {}) {
  double sum = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(metric, 0) != 0 || line.size() <= metric.size() ||
        (line[metric.size()] != '{' && line[metric.size()] != ' ')) {
      continue;
    }
    if (!std::all_of(labels.begin(), labels.end(),
                     [&](const std::string& l) { return line.find(l) != std::string::npos; })) {
      continue;
    }
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// What a fleet must not show, per device.
struct Trouble {
  double link_faults = 0;
  double gap_faults = 0;
  double samples_missed = 0;
};

Trouble read_trouble(const FleetDevice& device) {
  const std::string& address = device.metrics_address();
  const std::size_t colon = address.rfind(':');
  const rfneedle::testing::ApiClient client(
      address.substr(0, colon), static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
  const rfneedle::testing::ApiResponse r = client.get("/metrics");
  if (!r.ok()) {
    throw BenchError(device.name() + ": GET /metrics: " + r.describe());
  }
  return {sum_of(r.body, "rfneedle_link_errors_total", {"kind=\"link_fault\""}),
          sum_of(r.body, "rfneedle_faults_total", {"condition=\"generator_telemetry_gap\""}) +
              sum_of(r.body, "rfneedle_faults_total", {"condition=\"actuator_telemetry_gap\""}),
          sum_of(r.body, "rfneedle_telemetry_samples_missed_total")};
}

microseconds pair_cpu(const FleetDevice& device) {
  return cpu_time(device.daemon_pid()) + cpu_time(device.simulator_pid());
}

struct TrialResult {
  bool clean = false;
  double cpu_per_pair_pct = 0;
  std::string trouble;  // what went wrong, for the log
};

TrialResult trial(const rfneedle::testing::DevicePrograms& programs, int devices,
                  std::chrono::seconds length, std::uint64_t seed) {
  Fleet fleet(programs, {.devices = devices, .first_seed = seed});
  // Every treatment under way (armed, auto-trigger pressing) before the window opens; the
  // fleet sets them up one at a time.
  const bool all_treating = rfneedle::testing::eventually(
      [&] {
        return std::all_of(fleet.devices().begin(), fleet.devices().end(),
                           [](const auto& d) { return d->treating() || d->stopped_because(); });
      },
      std::chrono::minutes(5));
  if (!all_treating) {
    throw BenchError(std::to_string(devices) + " pairs: not all treating after 5 minutes");
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::vector<Trouble> before;
  std::vector<microseconds> cpu_before;
  std::vector<pid_t> pids;
  for (const auto& d : fleet.devices()) {
    if (d->daemon_pid() <= 0 || d->simulator_pid() <= 0) {
      throw BenchError(d->name() + " lost to a link fault as the window opened");
    }
    before.push_back(read_trouble(*d));
    cpu_before.push_back(pair_cpu(*d));
    pids.push_back(d->daemon_pid());
  }
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(length);
  const double elapsed_us = static_cast<double>(
      std::chrono::duration_cast<microseconds>(std::chrono::steady_clock::now() - start).count());
  TrialResult result;
  result.clean = true;
  double cpu_us = 0;
  for (std::size_t i = 0; i < fleet.devices().size(); ++i) {
    const FleetDevice& d = *fleet.devices()[i];
    std::ostringstream what;
    if (d.daemon_pid() != pids[i] || d.replacements() > 0) {
      what << d.name() << " lost to a link fault and replaced; ";
    } else if (const auto why = d.stopped_because()) {
      what << d.name() << " stopped treating: " << *why << "; ";
    } else {
      const Trouble after = read_trouble(d);
      const double links = after.link_faults - before[i].link_faults;
      const double gaps = after.gap_faults - before[i].gap_faults;
      const double missed = after.samples_missed - before[i].samples_missed;
      if (links > 0 || gaps > 0 || missed > 0) {
        what << d.name() << ": " << links << " link faults, " << gaps << " telemetry gap faults, "
             << missed << " samples missed; ";
      }
      cpu_us += static_cast<double>((pair_cpu(d) - cpu_before[i]).count());
    }
    if (!what.str().empty()) {
      result.clean = false;
      result.trouble += what.str();
    }
  }
  result.cpu_per_pair_pct = 100.0 * cpu_us / elapsed_us / devices;
  return result;
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

int run(int argc, char** argv) {
  CLI::App app{"fleets of device pairs side by side: how many one machine runs in real time"};
  std::string programs;
  bool quick = false;
  int seconds = 60;
  int max_devices = 16;
  std::uint64_t seed = 1;
  app.add_option("--programs", programs, "the build's bin/ directory (rfneedle-sim, rfneedled)")
      ->required();
  app.add_flag("--quick", quick, "a short run while developing: 20 s fleets, at most 4 pairs");
  app.add_option("--seconds", seconds, "how long each fleet runs (default 60)")
      ->check(CLI::Range(5, 3600));
  app.add_option("--max", max_devices, "the largest fleet tried (default 16)")
      ->check(CLI::Range(1, 64));
  app.add_option("--seed", seed, "rfneedle-sim's seed of each fleet's first device");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int help = app.exit(e);
    return e.get_exit_code() == 0 ? help : 2;
  }
  if (quick) {
    seconds = std::min(seconds, 20);
    max_devices = std::min(max_devices, 4);
  }
  const rfneedle::testing::DevicePrograms paths{program_in(programs, "rfneedle-sim").string(),
                                                program_in(programs, "rfneedled").string()};
  const double load = load_average();
  std::map<int, TrialResult> results;
  // With no fleet passing, the CPU of the first run measured at all (the single pair's).
  double first_cpu = 0;
  const auto passes = [&](int n) {
    TrialResult r{};
    for (int attempt = 1; attempt <= 2; ++attempt) {
      try {
        r = trial(paths, n, std::chrono::seconds(seconds), seed);
      } catch (const std::exception& e) {
        // A pair that would not start at all on this load (Fleet gave up after its retries),
        // or one whose metrics could not be read (lost mid-window): not a clean run.
        r = TrialResult{};
        r.trouble = e.what();
      }
      std::fprintf(stderr, "fleet_bench: %d pairs, run %d: %s (%.1f %% CPU per pair, load %.2f)\n",
                   n, attempt, r.clean ? "clean" : r.trouble.c_str(), r.cpu_per_pair_pct,
                   load_average());
      if (first_cpu == 0) {
        first_cpu = r.cpu_per_pair_pct;
      }
      if (r.clean) {
        break;
      }
    }
    results[n] = r;
    return r.clean;
  };
  int passed = 0;
  int failed = 0;
  for (const int n : {1, 2, 4, 8, 12, 16}) {
    const int level = std::min(n, max_devices);
    if (level <= passed) {
      break;
    }
    if (!passes(level)) {
      failed = level;
      break;
    }
    passed = level;
  }
  while (failed > passed + 1) {  // bisect
    const int mid = passed + (failed - passed) / 2;
    (passes(mid) ? passed : failed) = mid;
  }
  print_figure("devices_per_machine", passed, "pairs");
  print_figure("cpu_per_pair_pct", passed > 0 ? results[passed].cpu_per_pair_pct : first_cpu, "%");
  print_figure("fleet_load_average", load, "load");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_reporting_errors("fleet_bench", [&] { return run(argc, argv); });
}
