// How fast the deterministic simulation runs (docs/testing.md, "Time"):
//
//   dst_speedup          simulated seconds per wall second of one whole device (tests/support/
//                        whole_device.h: the core, the joining layer, both link sessions and
//                        drivers, both simulated boards at 1 kHz with their physics, over the
//                        faulty byte channel at 921 600 baud), an operator pulsing once a
//                        second, no checker
//   dst_session_speedup  the same for the simulation's own sessions (tests/dst/), the
//                        invariants checked every millisecond
//   dst_sessions_per_s   those sessions per wall second (one long session in 30, as CI runs)
//
// Prints `BENCH <name> <value> <unit>` lines; never asserts a time.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "tests/dst/dst.h"
#include "tests/support/whole_device.h"

namespace {

using namespace rfneedle;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double device_speedup(Duration simulated) {
  testing::WholeDeviceOptions o;
  o.record_history = false;
  testing::WholeDevice d(o);
  if (!d.ready()) {
    std::fprintf(stderr, "dst_bench: the device did not reach Ready\n");
    return 0;
  }
  const Instant start = d.now();
  const Clock::time_point wall = Clock::now();
  while (d.now() - start < simulated) {
    d.press_and_hold();
    d.run(milliseconds(800));
  }
  const double sim = std::chrono::duration<double>(d.now() - start).count();
  return sim / seconds_since(wall);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dst_bench: the deterministic simulation's speed"};
  std::string programs;
  bool quick = false;
  app.add_option("--programs", programs, "the build's bin/ (unused: nothing is started)");
  app.add_flag("--quick", quick, "shorter runs, for development");
  CLI11_PARSE(app, argc, argv);

  const double speedup = device_speedup(seconds(quick ? 30 : 180));
  const int sessions = quick ? 15 : 90;
  const Clock::time_point wall = Clock::now();
  double simulated = 0;
  for (int seed = 1; seed <= sessions; ++seed) {
    dst::SessionOptions s;
    s.seed = static_cast<std::uint64_t>(seed);
    s.long_every = 30;
    const dst::SessionResult r = dst::run_session(s);
    simulated += std::chrono::duration<double>(r.simulated).count();
    if (r.violation) {
      std::fprintf(stderr, "dst_bench: seed %d broke %s\n", seed,
                   std::string(dst::name(r.violation->invariant)).c_str());
    }
  }
  const double elapsed = seconds_since(wall);
  std::printf("BENCH dst_speedup %.0f x\n", speedup);
  std::printf("BENCH dst_session_speedup %.0f x\n", simulated / elapsed);
  std::printf("BENCH dst_sessions_per_s %.2f 1/s\n", sessions / elapsed);
  return 0;
}
