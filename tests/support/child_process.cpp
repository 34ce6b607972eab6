#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

extern char** environ;

namespace rfneedle::testing {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int exit_status(int raw) {
  if (WIFEXITED(raw)) {
    return WEXITSTATUS(raw);
  }
  return 128 + WTERMSIG(raw);
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::filesystem::path& output_dir,
                           const std::filesystem::path& standard_input) {
  static int serial = 0;
  const std::string stem = std::filesystem::path(program).filename().string() + "-" +
                           std::to_string(::getpid()) + "-" + std::to_string(serial++);
  out_path_ = output_dir / (stem + ".out");
  err_path_ = output_dir / (stem + ".err");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string input = standard_input.empty() ? "/dev/null" : standard_input.string();
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, input.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::system_error(rc, std::generic_category(), "cannot start " + program);
  }
}

ChildProcess::~ChildProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    (void)wait(std::chrono::seconds(5));
  }
}

void ChildProcess::signal(int signal_number) const { ::kill(pid_, signal_number); }

bool ChildProcess::running() {
  if (status_) {
    return false;
  }
  int raw = 0;
  if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
    status_ = exit_status(raw);
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds limit) {
  eventually([this] { return !running(); }, limit);
  return status_;
}

std::string ChildProcess::standard_output() const { return read_file(out_path_); }
std::string ChildProcess::standard_error() const { return read_file(err_path_); }

RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const std::filesystem::path& output_dir, std::chrono::milliseconds limit,
                      const std::filesystem::path& standard_input) {
  ChildProcess child(program, args, output_dir, standard_input);
  auto status = child.wait(limit);
  return RunResult{status.value_or(-1), child.standard_output(), child.standard_error()};
}

}  // namespace rfneedle::testing
