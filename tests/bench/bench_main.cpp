// main() of every benchmark program: runs the Google Benchmarks as usual, then prints
// each benchmark's headline figures as `BENCH <name> <value> <unit>` lines, which
// `tools/dev bench` collects. A counter named "figure[unit]" prints as
// `BENCH <benchmark>.<figure> <value> <unit>`; each benchmark's time per iteration prints
// as `BENCH <benchmark>.time <ns> ns`.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace {

class HeadlineReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) {
        continue;
      }
      lines_.push_back(line(run.benchmark_name() + ".time", run.GetAdjustedRealTime(), "ns"));
      for (const auto& [name, counter] : run.counters) {
        auto open = name.find('[');
        auto close = name.rfind(']');
        if (open == std::string::npos || close == std::string::npos || close < open) {
          continue;
        }
        lines_.push_back(line(run.benchmark_name() + "." + name.substr(0, open), counter.value,
                              name.substr(open + 1, close - open - 1)));
      }
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    // On a line of their own: the table's last colour reset would otherwise open the
    // first BENCH line, which `tools/dev bench` then misses.
    std::ostream& out = GetOutputStream();
    out << '\n';
    for (const auto& l : lines_) {
      out << l << '\n';
    }
    out.flush();
  }

 private:
  static std::string line(const std::string& name, double value, const std::string& unit) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return "BENCH " + name + " " + buffer + " " + unit;
  }
  std::vector<std::string> lines_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  HeadlineReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
