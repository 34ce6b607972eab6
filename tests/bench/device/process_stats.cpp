#include "tests/bench/device/process_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/bench/device/device_bench.h"

namespace rfneedle::bench {
namespace {

std::string read_proc(pid_t pid, const char* file) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  std::ifstream in(path);
  if (!in) {
    throw BenchError("cannot read " + path + " (has the process exited?)");
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::chrono::microseconds cpu_time(pid_t pid) {
  // proc(5): "pid (comm) state ..."; comm may hold spaces and parentheses, so the fields
  // are counted from the last ')'. utime and stime are fields 14 and 15, in clock ticks.
  const std::string stat = read_proc(pid, "stat");
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) {
    throw BenchError("unexpected /proc/" + std::to_string(pid) + "/stat: " + stat);
  }
  std::istringstream fields(stat.substr(close + 1));
  std::string skipped;
  for (int field = 3; field <= 13; ++field) {
    fields >> skipped;
  }
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  if (!(fields >> utime >> stime)) {
    throw BenchError("no utime and stime in /proc/" + std::to_string(pid) + "/stat");
  }
  const auto ticks_per_s = static_cast<unsigned long long>(::sysconf(_SC_CLK_TCK));
  return std::chrono::microseconds((utime + stime) * 1'000'000ULL / ticks_per_s);
}

double resident_mib(pid_t pid) {
  std::istringstream lines(read_proc(pid, "status"));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stod(line.substr(6)) / 1024.0;  // "VmRSS:   12345 kB"
    }
  }
  throw BenchError("no VmRSS in /proc/" + std::to_string(pid) + "/status");
}

double cpu_percent(pid_t pid, std::chrono::milliseconds window) {
  const auto wall_start = std::chrono::steady_clock::now();
  const auto cpu_start = cpu_time(pid);
  std::this_thread::sleep_for(window);
  const auto cpu_used = cpu_time(pid) - cpu_start;
  const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - wall_start);
  return 100.0 * static_cast<double>(cpu_used.count()) / static_cast<double>(wall.count());
}

}  // namespace rfneedle::bench
