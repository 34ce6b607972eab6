// The controller's figures end to end, rfneedle-sim and rfneedled as real processes over
// pseudo-terminals at 921 600 baud (docs/operations.md, "Figures"):
//
//   rfneedled_cpu_pct, rfneedled_rss_mib   in Standby, both boards streaming at 1 kHz and
//                                          the display connected, before any log-in
//   reaction_p50_ms, _p99_ms, _max_ms      from the moment an injected fault's condition
//                                          became true to RF off, in the simulator's clock
//                                          (fault_recipes.h), over --faults measured
//                                          treatments
//   reaction_faults, host_gap_faults, ...  how many were measured, and what was not
//   api_status_rps                         GET /api/v1/status answered per second by the
//                                          same rfneedled during that run
//
// A benchmark, not a test: it prints what it measured and asserts nothing about timing.
//
//   reaction_bench --programs build-release/bin [--quick] [--faults N] [--seed N]
//                  [--status-connections N] [--cpu-seconds N]
#include <sys/types.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

#include "tests/bench/device/device_bench.h"
#include "tests/bench/device/figures.h"
#include "tests/bench/device/process_stats.h"
#include "tests/bench/device/reaction_run.h"
#include "tests/bench/device/status_load.h"
#include "tests/support/api_client.h"
#include "tests/support/device_processes.h"

namespace {

using namespace rfneedle::bench;

// A device lost to a link fault is started anew (and counted); this many lost in a row
// without a treatment finished ends the run.
constexpr int kMaxFruitlessRestarts = 5;

void print_reactions(const ReactionTotals& t) {
  for (const auto& [label, values] : t.by_fault) {
    std::fprintf(stderr, "reaction_bench: %s: %zu faults, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                 label.c_str(), values.size(), percentile(values, 50), percentile(values, 99),
                 percentile(values, 100));
  }
  if (!t.reactions_ms.empty()) {
    print_figure("reaction_p50_ms", percentile(t.reactions_ms, 50), "ms");
    print_figure("reaction_p99_ms", percentile(t.reactions_ms, 99), "ms");
    print_figure("reaction_max_ms", percentile(t.reactions_ms, 100), "ms");
    print_figure("reaction_over_3ms",
                 static_cast<double>(std::count_if(t.reactions_ms.begin(), t.reactions_ms.end(),
                                                   [](double ms) { return ms > 3.0; })),
                 "count");
  }
  print_figure("reaction_faults", static_cast<double>(t.reactions_ms.size()), "count");
  print_figure("host_gap_faults", t.host_gap_faults, "count");
  print_figure("reaction_gap_preempted", t.gap_preempted, "count");
  print_figure("reaction_unmeasured", t.unmeasured, "count");
  print_figure("reaction_service_resets", t.service_resets, "count");
  print_figure("reaction_device_restarts", t.device_restarts, "count");
}

int run(int argc, char** argv) {
  CLI::App app{"The controller's interlock reaction, CPU, memory and API throughput, end to end"};
  std::string programs;
  bool quick = false;
  ReactionRunOptions reaction;
  int connections = 4;
  int cpu_seconds = 10;
  app.add_option("--programs", programs, "the build's bin/ directory (rfneedle-sim, rfneedled)")
      ->required();
  app.add_flag("--quick", quick, "a short run while developing: 12 faults, 3 s of CPU");
  app.add_option("--faults", reaction.faults,
                 "faults to measure, one a treatment; one a host gap preempts is injected again, "
                 "up to twice as many (default 300, or RFNEEDLE_BENCH_FAULTS)")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--seed", reaction.seed, "seeds the fault order and the injection moments");
  app.add_option("--status-connections", connections,
                 "keep-alive connections reading GET /api/v1/status during the run")
      ->check(CLI::Range(1, 64));
  app.add_option("--cpu-seconds", cpu_seconds, "window of the CPU figure")
      ->check(CLI::Range(1, 3600));
  // RFNEEDLE_BENCH_FAULTS sets the default, e.g. for a shorter `tools/dev bench`.
  if (const char* env = std::getenv("RFNEEDLE_BENCH_FAULTS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long faults = std::strtol(env, &end, 10);
    if (*end != '\0' || faults < 1 || faults > 100'000) {
      throw BenchError("RFNEEDLE_BENCH_FAULTS must be a number of faults from 1 to 100000, not '" +
                       std::string(env) + "'");
    }
    reaction.faults = static_cast<int>(faults);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int help = app.exit(e);  // prints the help, or what is wrong with the flags
    return e.get_exit_code() == 0 ? help : 2;
  }
  if (quick) {
    reaction.faults = std::min(reaction.faults, 12);
    cpu_seconds = std::min(cpu_seconds, 3);
  }

  const rfneedle::testing::DevicePrograms paths{program_in(programs, "rfneedle-sim").string(),
                                                program_in(programs, "rfneedled").string()};
  std::mt19937_64 random(reaction.seed);
  auto order = fault_order(reaction.faults, random);
  ReactionTotals totals;
  LoadResult served;
  double rss_after = 0;
  int fruitless = 0;
  for (std::size_t next = 0; next < order.size();) {
    rfneedle::testing::DeviceOptions device_options;
    device_options.seed = reaction.seed + static_cast<std::uint64_t>(totals.device_restarts);
    rfneedle::testing::DeviceProcesses device(paths, device_options);
    rfneedle::testing::DisplayClient display("127.0.0.1", device.port());
    if (!display.wait_for([](const rfneedle::api::Status&) { return true; })) {
      throw BenchError("the display connection got no snapshot");
    }
    const pid_t daemon = device.daemon().pid();
    if (next == 0 && totals.device_restarts == 0) {
      std::this_thread::sleep_for(std::chrono::seconds(2));  // past start-up's work
      print_figure("rfneedled_cpu_pct", cpu_percent(daemon, std::chrono::seconds(cpu_seconds)),
                   "%");
      print_figure("rfneedled_rss_mib", resident_mib(daemon), "MiB");
    }
    StatusLoad load(device.port(), connections);
    ReactionRun run(device, display, reaction, random, totals);
    const std::size_t from = next;
    try {
      run.run(order, next);
    } catch (const DeviceLost& lost) {
      ++totals.device_restarts;
      fruitless = next == from ? fruitless + 1 : 0;
      std::fprintf(stderr, "reaction_bench: device lost (%s); starting a new one\n", lost.what());
      if (fruitless >= kMaxFruitlessRestarts) {
        throw BenchError(std::to_string(kMaxFruitlessRestarts) +
                         " devices in a row lost to link faults before finishing a treatment");
      }
    }
    served += load.stop();
    rss_after = resident_mib(daemon);
  }
  std::fprintf(stderr,
               "reaction_bench: GET /status: %llu answered, %llu failed over %.1f s on %d "
               "connections; rfneedled's resident set after the run: %.1f MiB\n",
               static_cast<unsigned long long>(served.answered),
               static_cast<unsigned long long>(served.failed), served.elapsed.count(), connections,
               rss_after);
  print_reactions(totals);
  print_figure("api_status_rps", served.per_second(), "1/s");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_reporting_errors("reaction_bench", [&] { return run(argc, argv); });
}
