// worst_sample_gap_loaded_ms: the longest interval between two consecutive telemetry
// samples arriving at a reader of rfneedle-sim's two lines (TelemetryArrivals: the
// controller's transport and drivers, at its real-time priority) over 120 s while
// `stress-ng --cpu 2` keeps both cores busy; and the same over a shorter unloaded window
// first. A benchmark, not a test: it prints what it saw and asserts nothing.
//
//   sample_gap_bench --programs build-release/bin [--quick] [--unloaded-seconds N]
//                    [--loaded-seconds N] [--stress-ng PATH]
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "tests/bench/device/device_bench.h"
#include "tests/bench/device/figures.h"
#include "tests/bench/device/telemetry_arrivals.h"
#include "tests/support/child_process.h"

namespace {

using namespace rfneedle::bench;
using rfneedle::testing::ChildProcess;
using rfneedle::testing::eventually;

struct Window {
  ArrivalStats generator;
  ArrivalStats actuator;
};

Window measure(TelemetryArrivals& reader, std::chrono::seconds length) {
  reader.begin_window();
  std::this_thread::sleep_for(length);
  return {reader.generator_window(), reader.actuator_window()};
}

double ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

void report(const Window& w, const char* load) {
  for (const auto& [link, s] : {std::pair{"generator", w.generator}, {"actuator", w.actuator}}) {
    std::fprintf(stderr,
                 "sample_gap_bench: %s, %s link: %llu samples, worst gap %.3f ms, %llu gaps over "
                 "2 ms, %llu samples missed\n",
                 load, link, static_cast<unsigned long long>(s.samples), ms(s.worst_gap),
                 static_cast<unsigned long long>(s.gaps_over_2ms),
                 static_cast<unsigned long long>(s.missed));
  }
  const std::string suffix = std::string("_") + load;
  print_figure("worst_sample_gap" + suffix + "_ms",
               ms(std::max(w.generator.worst_gap, w.actuator.worst_gap)), "ms");
  print_figure("sample_gaps_over_2ms" + suffix,
               static_cast<double>(w.generator.gaps_over_2ms + w.actuator.gaps_over_2ms), "count");
  print_figure("samples_missed" + suffix,
               static_cast<double>(w.generator.missed + w.actuator.missed), "count");
}

int run(int argc, char** argv) {
  CLI::App app{
      "Longest interval between telemetry samples from rfneedle-sim, idle and under "
      "stress-ng --cpu 2"};
  std::string programs;
  bool quick = false;
  int unloaded_s = 20;
  int loaded_s = 120;
  std::string stress_ng;
  app.add_option("--programs", programs, "the build's bin/ directory (holds rfneedle-sim)")
      ->required();
  app.add_flag("--quick", quick, "a short run while developing: 5 s idle, 10 s loaded");
  app.add_option("--unloaded-seconds", unloaded_s, "length of the idle window")
      ->check(CLI::Range(1, 3600));
  app.add_option("--loaded-seconds", loaded_s, "length of the window under stress-ng")
      ->check(CLI::Range(1, 3600));
  app.add_option("--stress-ng", stress_ng, "the stress-ng program (default: found on PATH)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int help = app.exit(e);  // prints the help, or what is wrong with the flags
    return e.get_exit_code() == 0 ? help : 2;
  }
  if (quick) {
    unloaded_s = 5;
    loaded_s = 10;
  }
  std::filesystem::path stress_path = stress_ng;
  if (stress_ng.empty()) {
    const auto found = find_on_path("stress-ng");
    if (!found) {
      throw BenchError(
          "stress-ng is not installed (Debian's stress-ng; tools/dev bench installs it)");
    }
    stress_path = *found;
  }

  const auto sim_program = program_in(programs, "rfneedle-sim");
  ScratchDir dir("rfneedle-gap-bench");
  const auto generator = dir.path() / "generator";
  const auto actuator = dir.path() / "actuator";
  ChildProcess sim(sim_program.string(),
                   {"--generator-link", generator.string(), "--actuator-link", actuator.string(),
                    "--control", (dir.path() / "sim.sock").string()},
                   dir.path());
  if (!eventually([&] {
        return std::filesystem::exists(generator) && std::filesystem::exists(actuator);
      })) {
    throw BenchError("rfneedle-sim did not publish its links: " + sim.standard_error());
  }
  TelemetryArrivals reader(generator, actuator);
  std::fprintf(
      stderr, "sample_gap_bench: reader at %s\n",
      reader.real_time() ? "real-time priority (SCHED_FIFO 20)" : "normal priority (not root)");
  if (!eventually([&] { return reader.streaming(); })) {
    throw BenchError("no telemetry from rfneedle-sim's boards after their handshakes");
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // past the handshakes' bursts

  std::fprintf(stderr, "sample_gap_bench: %d s idle\n", unloaded_s);
  report(measure(reader, std::chrono::seconds(unloaded_s)), "unloaded");

  std::fprintf(stderr, "sample_gap_bench: %d s under stress-ng --cpu 2\n", loaded_s);
  ChildProcess stress(stress_path.string(),
                      {"--cpu", "2", "--timeout", std::to_string(loaded_s + 30) + "s", "--quiet"},
                      dir.path());
  std::this_thread::sleep_for(std::chrono::seconds(1));  // its workers are spinning
  if (!stress.running()) {
    throw BenchError("stress-ng exited at once: " + stress.standard_error());
  }
  const Window loaded = measure(reader, std::chrono::seconds(loaded_s));
  stress.signal(SIGTERM);
  (void)stress.wait(std::chrono::seconds(10));
  report(loaded, "loaded");
  if (!sim.running()) {
    throw BenchError("rfneedle-sim exited during the run: " + sim.standard_error());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return rfneedle::bench::run_reporting_errors("sample_gap_bench", [&] { return run(argc, argv); });
}
