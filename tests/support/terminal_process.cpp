#include "tests/support/terminal_process.h"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace rfneedle::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

int exit_status(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw); }

milliseconds left_until(Clock::time_point give_up) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(give_up - Clock::now()));
}

}  // namespace

TerminalProcess::TerminalProcess(const std::string& program, const std::vector<std::string>& args) {
  // Everything the child needs is made before the fork: after it, only exec.
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 80;
  pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
  if (pid_ < 0) {
    throw std::system_error(errno, std::generic_category(), "forkpty for " + program);
  }
  if (pid_ == 0) {
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
}

TerminalProcess::~TerminalProcess() {
  reap();
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    ::waitpid(pid_, &raw, 0);
  }
  ::close(master_);
}

bool TerminalProcess::read_some(milliseconds limit) {
  if (closed_) return false;
  pollfd p{master_, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(limit.count()));
  if (ready <= 0) return true;
  char buffer[4096];
  const ssize_t n = ::read(master_, buffer, sizeof buffer);
  if (n > 0) {
    transcript_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && errno == EINTR) return true;
  // EIO: every descriptor of the terminal's other side is closed (the program ended).
  closed_ = true;
  return false;
}

bool TerminalProcess::wait_for(const std::string& text, milliseconds limit, std::size_t from) {
  const auto give_up = Clock::now() + limit;
  while (transcript_.find(text, from) == std::string::npos) {
    if (Clock::now() >= give_up || !read_some(std::min(left_until(give_up), milliseconds(50)))) {
      return transcript_.find(text, from) != std::string::npos;
    }
  }
  return true;
}

void TerminalProcess::type(const std::string& keys) const {
  std::size_t done = 0;
  while (done < keys.size()) {
    const ssize_t n = ::write(master_, keys.data() + done, keys.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw std::system_error(errno, std::generic_category(), "typing on the terminal");
    }
    done += static_cast<std::size_t>(n);
  }
}

void TerminalProcess::reap() {
  if (status_) return;
  int raw = 0;
  if (::waitpid(pid_, &raw, WNOHANG) == pid_) status_ = exit_status(raw);
}

std::optional<int> TerminalProcess::wait(milliseconds limit) {
  const auto give_up = Clock::now() + limit;
  // Until the terminal closes (everything shown is read), then the status.
  while (read_some(std::min(left_until(give_up), milliseconds(50)))) {
    reap();
    if (Clock::now() >= give_up) return status_;
  }
  while (!status_ && Clock::now() < give_up) {
    reap();
    if (!status_) ::usleep(5000);
  }
  return status_;
}

}  // namespace rfneedle::testing
