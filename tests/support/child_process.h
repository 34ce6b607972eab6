// A program started by a test (rfneedle-sim, rfneedled, rfneedle-diag): spawned with its
// arguments, standard input from /dev/null or a file, stdout and stderr captured to files,
// stopped with a signal, its exit status read. The destructor kills what is still running, so a
// failing test leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rfneedle::testing {

class ChildProcess {
 public:
  // Throws std::system_error if the program cannot be started. `standard_input`: a file
  // to read standard input from (/dev/null when empty).
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::filesystem::path& output_dir,
               const std::filesystem::path& standard_input = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void signal(int signal_number) const;
  // The exit status once the process has ended within `limit`; none if it is still running.
  // A process killed by a signal reports 128 + the signal, like a shell.
  std::optional<int> wait(std::chrono::milliseconds limit);
  [[nodiscard]] bool running();
  [[nodiscard]] std::string standard_output() const;
  [[nodiscard]] std::string standard_error() const;
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

// Runs a program to completion (at most `limit`) and returns its exit status (-1 if it was
// still running: it is then killed), stdout and stderr.
struct RunResult {
  int status;
  std::string out;
  std::string err;
};
RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const std::filesystem::path& output_dir,
                      std::chrono::milliseconds limit = std::chrono::seconds(10),
                      const std::filesystem::path& standard_input = {});

// Polls `ready` every few milliseconds for at most `limit`. For waiting on a process to
// publish a file or socket; the bound only stops a hung test.
template <typename Ready>
bool eventually(Ready ready, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > give_up) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace rfneedle::testing
