// The kill -9 campaign at length (issue 10, SR-70): rfneedled killed with SIGKILL at seeded
// random moments mid-treatment and started again on the same store, the same campaign as
// device_kill9_test (tests/support/kill9_campaign.h), over more runs:
//
//   kill9_runs             kills made (100; 10 with --quick)
//   kill9_pulses_lost      pulses the simulator delivered that the store lacks (claim: 0)
//   kill9_failures         claims that did not hold (each printed on stderr)
//   kill9_during_rf        kills that fell while RF was truly on
//   kill9_rf_off_max_ms    the latest RF-off after the generator's last frame among them,
//                          in the simulator's clock (the dead-man's deadline is 51 ms)
//   kill9_host_faults      telemetry-gap faults of the host's scheduling, cleared
//   kill9_devices_lost     devices given up for a fault beyond that policy (a link fault
//                          of a loaded machine), each replaced by a new one
//
// A benchmark, not a test: it prints what it measured and asserts nothing.
//
//   kill9_bench --programs build-release/bin [--quick] [--runs N] [--seed N]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>

#include "tests/bench/device/device_bench.h"
#include "tests/bench/device/figures.h"
#include "tests/support/device_processes.h"
#include "tests/support/kill9_campaign.h"

namespace {

using namespace rfneedle::bench;
using rfneedle::testing::Kill9Campaign;

// Kills per device (one session): the simulator's history keeps its latest 256 pulses, and
// every pulse of the session is compared with it.
constexpr int kRunsPerDevice = 20;
// Devices lost in a row (see below) without a kill made end the run.
constexpr int kMaxFruitlessDevices = 5;

int run(int argc, char** argv) {
  CLI::App app{"kill -9 rfneedled mid-treatment: pulses lost, RF off after the last frame"};
  std::string programs;
  bool quick = false;
  int runs = 100;
  std::uint64_t seed = 1;
  app.add_option("--programs", programs, "the build's bin/ directory (rfneedle-sim, rfneedled)")
      ->required();
  app.add_flag("--quick", quick, "a short run while developing: 10 kills");
  app.add_option("--runs", runs, "kills to make (default 100)")->check(CLI::Range(1, 100'000));
  app.add_option("--seed", seed, "seeds the kill moments and the simulator");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int help = app.exit(e);
    return e.get_exit_code() == 0 ? help : 2;
  }
  if (quick) {
    runs = std::min(runs, 10);
  }
  const rfneedle::testing::DevicePrograms paths{program_in(programs, "rfneedle-sim").string(),
                                                program_in(programs, "rfneedled").string()};
  int done = 0;
  int during_rf = 0;
  std::size_t lost = 0;
  std::size_t failures = 0;
  std::size_t host_faults = 0;
  std::int64_t worst_rf_off_us = 0;
  int devices_lost = 0;
  int fruitless = 0;
  for (std::uint64_t device_seed = seed; done < runs; ++device_seed) {
    rfneedle::testing::DeviceProcesses device(paths, {.seed = device_seed, .auto_trigger_hz = 2.0});
    Kill9Campaign campaign(device, device_seed);
    const int from = done;
    try {
      campaign.start();
      for (int i = 0; i < kRunsPerDevice && done < runs; ++i, ++done) {
        campaign.run_once();
      }
      campaign.finish();
      fruitless = 0;
    } catch (const rfneedle::testing::DeviceError& e) {
      // The host's scheduling beyond the harness's policy (a link fault of a loaded
      // machine): a new device carries on, counted; the kill under way is not counted.
      ++devices_lost;
      fruitless = done == from ? fruitless + 1 : 0;
      std::fprintf(stderr, "kill9_bench: device lost during kill %d (%s); starting a new one\n",
                   done + 1, e.what());
      if (fruitless >= kMaxFruitlessDevices) {
        throw BenchError(std::to_string(kMaxFruitlessDevices) +
                         " devices in a row lost before a kill was made");
      }
    }
    const rfneedle::testing::Kill9Figures& f = campaign.figures();
    during_rf += f.kills_during_rf;
    lost += f.pulses_lost;
    host_faults += f.host_faults;
    worst_rf_off_us = std::max(worst_rf_off_us, f.worst_rf_off_after_last_frame_us);
    failures += campaign.failures().size();
    for (const std::string& line : campaign.failures()) {
      std::fprintf(stderr, "kill9_bench: seed %llu: %s\n",
                   static_cast<unsigned long long>(device_seed), line.c_str());
    }
    if (!campaign.failures().empty()) {
      device.keep_dir();
    }
    std::fprintf(stderr, "kill9_bench: %d of %d kills: %zu pulses delivered, %zu recorded\n", done,
                 runs, f.delivered, f.recorded);
  }
  print_figure("kill9_runs", done, "runs");
  print_figure("kill9_pulses_lost", static_cast<double>(lost), "pulses");
  print_figure("kill9_failures", static_cast<double>(failures), "count");
  print_figure("kill9_during_rf", during_rf, "count");
  print_figure("kill9_rf_off_max_ms", static_cast<double>(worst_rf_off_us) / 1000.0, "ms");
  print_figure("kill9_host_faults", static_cast<double>(host_faults), "count");
  print_figure("kill9_devices_lost", devices_lost, "count");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_reporting_errors("kill9_bench", [&] { return run(argc, argv); });
}
