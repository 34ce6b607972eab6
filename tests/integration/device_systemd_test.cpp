// rfneedled as systemd runs it, and its log (Type=notify, WatchdogSec=;
// packaging/rfneedled.service): the real rfneedle-sim and rfneedled, with NOTIFY_SOCKET pointing at
// the test's own datagram socket and WATCHDOG_USEC set as systemd sets it. READY=1 once the API
// listens, WATCHDOG=1 again and again while the safety thread ticks, STOPPING=1 at SIGTERM;
// and no WATCHDOG=1 while the safety thread alone is stalled, as a debugger stalls it
// (ptrace's PTRACE_SEIZE and PTRACE_INTERRUPT on that one thread), the service thread
// running on. The notifier's own logic is also unit-tested (systemd_notifier_test).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "controller/daemon/safety_loop.h"
#include "tests/integration/device_test_main.h"
#include "tests/support/notify_socket.h"

namespace rfneedle::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// WATCHDOG_USEC: 200 ms, so rfneedled checks the safety thread every 100 ms.
constexpr const char* kWatchdogUsec = "200000";

// Collects messages until `done` holds for what has arrived, or `limit` passes.
template <typename Done>
std::vector<std::string> collect(const NotifySocket& socket, std::vector<std::string> so_far,
                                 Done done, std::chrono::milliseconds limit) {
  (void)eventually(
      [&] {
        for (std::string& m : socket.drain()) {
          so_far.push_back(std::move(m));
        }
        return done(so_far);
      },
      limit);
  return so_far;
}

// The environment systemd gives a Type=notify unit with WatchdogSec=, for the processes
// started while it lives; gone again however the test ends.
class UnderSystemd {
 public:
  explicit UnderSystemd(const NotifySocket& socket) {
    ::setenv("NOTIFY_SOCKET", socket.path().c_str(), 1);
    ::setenv("WATCHDOG_USEC", kWatchdogUsec, 1);
    ::unsetenv("WATCHDOG_PID");
  }
  ~UnderSystemd() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
  }
  UnderSystemd(const UnderSystemd&) = delete;
  UnderSystemd& operator=(const UnderSystemd&) = delete;
};

// Verifies: SR-71
TEST(DeviceSystemd, ReadyOnceListeningWatchdogWhileTheSafetyThreadTicksStoppingAtSigterm) {
  NotifySocket socket;
  const UnderSystemd systemd(socket);
  DeviceProcesses device(device_programs());

  std::vector<std::string> messages = collect(
      socket, {}, [](const auto& m) { return count_starting(m, "READY=1") > 0; }, seconds(5));
  ASSERT_FALSE(messages.empty()) << "no notification at all: " << device.daemon_log_tail();
  EXPECT_EQ(messages.front(),
            "READY=1\nSTATUS=listening on 127.0.0.1:" + std::to_string(device.port()))
      << "READY=1 comes first, once the API listens";

  messages = collect(
      socket, messages, [](const auto& m) { return count_starting(m, "WATCHDOG=1") >= 10; },
      seconds(20));
  EXPECT_GE(count_starting(messages, "WATCHDOG=1"), 10u)
      << "fed while the safety thread ticks: " << device.daemon_log_tail();
  EXPECT_EQ(device.daemon_log_tail(200).find("systemd watchdog not fed"), std::string::npos);

  EXPECT_EQ(device.terminate_daemon(), 0) << device.daemon_log_tail();
  messages = socket.drain();
  EXPECT_EQ(count_starting(messages, "STOPPING=1"), 1u);
}

// The thread of `pid` named `name` (/proc/PID/task/TID/comm); 0 when there is none.
pid_t thread_named(pid_t pid, const std::string& name) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) {
      return static_cast<pid_t>(std::stol(task.path().filename().string()));
    }
  }
  return 0;
}

// Verifies: SR-71
// The safety thread alone stops, as under a debugger: rfneedled's service thread runs on
// and could go on sending WATCHDOG=1, but must not; systemd would kill and restart it.
// Once the thread runs again, so does the watchdog.
TEST(DeviceSystemd, TheWatchdogStarvesWhileTheSafetyThreadAloneIsStalled) {
  NotifySocket socket;
  const UnderSystemd systemd(socket);
  DeviceProcesses device(device_programs());
  std::vector<std::string> messages = collect(
      socket, {}, [](const auto& m) { return count_starting(m, "WATCHDOG=1") >= 3; }, seconds(10));
  ASSERT_GE(count_starting(messages, "WATCHDOG=1"), 3u) << device.daemon_log_tail();

  const pid_t safety = thread_named(device.daemon().pid(), daemon::SafetyLoop::kThreadName);
  ASSERT_NE(safety, 0) << "no thread named " << daemon::SafetyLoop::kThreadName;
  if (::ptrace(PTRACE_SEIZE, safety, nullptr, nullptr) != 0) {
    GTEST_SKIP() << "cannot trace rfneedled's safety thread (" << std::strerror(errno)
                 << "): needs CAP_SYS_PTRACE or a ptrace_scope that lets a parent trace";
  }
  ASSERT_EQ(::ptrace(PTRACE_INTERRUPT, safety, nullptr, nullptr), 0) << std::strerror(errno);
  int wait_status = 0;
  ASSERT_EQ(::waitpid(safety, &wait_status, __WALL), safety) << std::strerror(errno);
  ASSERT_TRUE(WIFSTOPPED(wait_status));
  // One check may still see ticks from before the stop (the checks come every 100 ms).
  std::this_thread::sleep_for(milliseconds(250));
  (void)socket.drain();
  const std::vector<std::string> stalled = collect(
      socket, {}, [](const auto&) { return false; }, milliseconds(1000));
  EXPECT_EQ(count_starting(stalled, "WATCHDOG=1"), 0u)
      << "the watchdog was fed with the safety thread stopped";
  EXPECT_TRUE(::ptrace(PTRACE_DETACH, safety, nullptr, nullptr) == 0) << std::strerror(errno);

  messages = collect(
      socket, {}, [](const auto& m) { return count_starting(m, "WATCHDOG=1") >= 2; }, seconds(10));
  EXPECT_GE(count_starting(messages, "WATCHDOG=1"), 2u) << "fed again once the thread runs";
  EXPECT_NE(device.daemon_log_tail(400).find("systemd watchdog not fed"), std::string::npos)
      << device.daemon_log_tail();
  (void)device.terminate_daemon();
}

// Not started by systemd: no notification socket, no watchdog, and the daemon says so by
// not logging a watchdog line.
TEST(DeviceSystemd, WithoutNotifySocketNoWatchdog) {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  DeviceProcesses device(device_programs());
  EXPECT_EQ(device.daemon_log_tail(200).find("systemd watchdog every"), std::string::npos);
  EXPECT_EQ(device.terminate_daemon(), 0) << device.daemon_log_tail();
}

// The log (issue 14): the console as before, and the file the configuration names.
TEST(DeviceLog, WritesTheConfiguredFileBesideTheConsole) {
  const std::filesystem::path logs =
      std::filesystem::temp_directory_path() / ("rfneedle-logs-" + std::to_string(::getpid()));
  std::filesystem::remove_all(logs);
  DeviceOptions options;
  options.extra_config = "log { file: \"" + (logs / "rfneedled.log").string() +
                         "\" max_file_bytes: 65536 max_files: 2 }\n";
  DeviceProcesses device(device_programs(), options);
  EXPECT_EQ(device.terminate_daemon(), 0) << device.daemon_log_tail();
  std::ifstream file(logs / "rfneedled.log");
  std::ostringstream text;
  text << file.rdbuf();
  EXPECT_NE(text.str().find("listening on http://127.0.0.1:" + std::to_string(device.port())),
            std::string::npos)
      << "the log file holds: " << text.str();
  EXPECT_NE(text.str().find("stopped"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(device.data_dir() / "rfneedled.log"))
      << "not in the data directory when the configuration names a file";
  std::filesystem::remove_all(logs);
}

}  // namespace
}  // namespace rfneedle::testing
