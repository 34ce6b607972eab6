// A program started by a test on a pseudo-terminal of its own (forkpty): standard input,
// output and error are the terminal, as when a service engineer runs it at a shell. The test
// types on the terminal's keyboard and reads what the terminal shows, the terminal's own
// echo of typed input included, so it can check what a prompt does with the terminal (a
// secret read without echo). The destructor kills what is still running.
//
//   TerminalProcess diag(program, {"login"});
//   ASSERT_TRUE(diag.wait_for("service key: ", seconds(10)));
//   diag.type("the key\n");
//   EXPECT_EQ(diag.wait(seconds(30)), 0);
//   EXPECT_THAT(diag.transcript(), Not(HasSubstr("the key")));
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rfneedle::testing {

class TerminalProcess {
 public:
  // Throws std::system_error if the terminal or the program cannot be started. The
  // environment is the test's.
  TerminalProcess(const std::string& program, const std::vector<std::string>& args);
  ~TerminalProcess();
  TerminalProcess(const TerminalProcess&) = delete;
  TerminalProcess& operator=(const TerminalProcess&) = delete;

  // Reads what the terminal shows until the transcript contains `text` after `from` (true),
  // or `limit` ran out or the program ended without it (false).
  bool wait_for(const std::string& text, std::chrono::milliseconds limit, std::size_t from = 0);
  // As typed on the terminal's keyboard ("n\n": the key n, then Enter).
  void type(const std::string& keys) const;
  // The exit status once the program has ended within `limit` (everything it showed read
  // into the transcript); none if it is still running. Killed by a signal: 128 + it.
  std::optional<int> wait(std::chrono::milliseconds limit);
  // Everything the terminal showed so far, in order: the program's standard output and
  // error and the terminal's echo, with the terminal's line endings ("\r\n").
  [[nodiscard]] const std::string& transcript() const { return transcript_; }

 private:
  // Reads what is there within `limit`; false once the terminal has closed.
  bool read_some(std::chrono::milliseconds limit);
  void reap();

  pid_t pid_ = -1;
  int master_ = -1;
  bool closed_ = false;
  std::optional<int> status_;
  std::string transcript_;
};

}  // namespace rfneedle::testing
