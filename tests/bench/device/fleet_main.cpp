// rfneedle-fleet: N simulated devices side by side, watched by a real Prometheus (issue 15;
// `tools/dev fleet N [--minutes M]`, docs/operations.md "Fleets"). Prints the Prometheus
// URL and one line per device, then runs until Ctrl-C or SIGTERM (or for --minutes), and
// stops everything: the treatments, each rfneedled (RF off, records flushed) and its
// rfneedle-sim, then Prometheus.
//
//   rfneedle-fleet N [--minutes M] [--programs DIR] [--rules FILE] [--prometheus PATH]
//                    [--seed N] [--keep]
//
// Exit status: 0 once stopped; 1 when something did not start; 2 for bad flags.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

#include "tests/bench/device/device_bench.h"
#include "tests/bench/device/fleet.h"

namespace {

namespace fs = std::filesystem;
using namespace rfneedle::bench;

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) { g_stop = true; }

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

fs::path own_directory() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : self.parent_path();
}

fs::path fresh_fleet_dir() {
  std::string pattern = (fs::temp_directory_path() / "rfneedle-fleet.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw BenchError("cannot create the fleet's directory " + pattern);
  }
  return pattern;
}

int run(int argc, char** argv) {
  CLI::App app{"N simulated rfneedle devices side by side, watched by a real Prometheus"};
  int devices = 0;
  double minutes = 0;
  std::string programs = own_directory().string();
  std::string rules = RFNEEDLE_SOURCE_DIR "/tools/prometheus/rfneedle.rules.yml";
  std::string prometheus;
  std::uint64_t seed = 1;
  bool keep = false;
  app.add_option("N", devices, "how many rfneedle-sim + rfneedled pairs (1 to 64)")
      ->required()
      ->check(CLI::Range(1, 64));
  app.add_option("--minutes", minutes, "stop after M minutes (default: run until Ctrl-C)")
      ->check(CLI::Range(0.05, 100'000.0));
  app.add_option("--programs", programs, "the directory holding rfneedle-sim and rfneedled")
      ->check(CLI::ExistingDirectory);
  app.add_option("--rules", rules, "the Prometheus rules file to load")->check(CLI::ExistingFile);
  app.add_option("--prometheus", prometheus, "the prometheus program (default: on $PATH)");
  app.add_option("--seed", seed, "rfneedle-sim's seed for the first device (the next: +1, ...)");
  app.add_flag("--keep", keep, "keep every directory (stores, logs, Prometheus's TSDB)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int help = app.exit(e);
    return e.get_exit_code() == 0 ? help : 2;
  }
  if (prometheus.empty()) {
    const auto found = find_on_path("prometheus");
    if (!found) {
      throw BenchError("no prometheus on $PATH (Debian's prometheus: tools/dev installs it)");
    }
    prometheus = found->string();
  }
  const rfneedle::testing::DevicePrograms paths{program_in(programs, "rfneedle-sim").string(),
                                                program_in(programs, "rfneedled").string()};
  catch_stop_signals();
  const fs::path dir = fresh_fleet_dir();
  {
    Fleet fleet(paths, {.devices = devices,
                        .first_seed = seed,
                        .prometheus = prometheus,
                        .rules = rules,
                        .prometheus_dir = dir / "prometheus",
                        .keep_dirs = keep,
                        .cancelled = &g_stop});
    print_line("prometheus: " + fleet.prometheus()->url() + "  (config " +
               fleet.prometheus()->config_path().string() + ", rules " + rules + ")");
    for (const auto& d : fleet.devices()) {
      print_line(d->summary());
    }
    std::ostringstream minutes_out;
    minutes_out << minutes;
    const std::string minutes_text = minutes_out.str();
    print_line("fleet: " + std::to_string(devices) + " devices treating" +
               (minutes > 0 ? ", for " + minutes_text + " minutes" : "") +
               "; Ctrl-C stops them all");
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double, std::ratio<60>>(minutes));
    while (!g_stop && (minutes <= 0 || std::chrono::steady_clock::now() < until)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fprintf(stderr, "fleet: stopping\n");
    for (const auto& d : fleet.devices()) {
      d->stop_treatment();
    }
    for (const auto& d : fleet.devices()) {
      const auto why = d->stopped_because();
      print_line(d->name() + ": " + std::to_string(d->host_faults_cleared()) +
                 " host faults cleared, " + std::to_string(d->replacements()) +
                 " pairs replaced; " + (why ? "treatment had stopped: " + *why : "treating"));
    }
    fleet.stop();
  }
  if (keep) {
    print_line("fleet: kept " + dir.string());
  } else {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  print_line("fleet: stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_reporting_errors("rfneedle-fleet", [&] { return run(argc, argv); });
}
