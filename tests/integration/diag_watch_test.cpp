// rfneedle-diag watch across a restart of rfneedled: it reconnects by itself, and since the
// restart ended its token it logs in again from --secret-file, or without one ends with exit
// 3 naming `rfneedle-diag login` (docs/operations.md, "rfneedle-diag").
#include <signal.h>

#include "tests/integration/diag_cli_fixture.h"

namespace rfneedle::testing {
namespace {

using ::testing::HasSubstr;

std::size_t samples_in(const std::string& json_lines) {
  std::size_t n = 0;
  for (const auto& line : lines_of(json_lines)) {
    api::Telemetry t;
    if (parse_api_json(line, t).empty() && t.samples() > 0) ++n;
  }
  return n;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(DiagCliTest, WatchResumesAfterADaemonRestartLoggingInAgainFromItsSecretFile) {
  start();
  login_service();
  ::setenv("XDG_RUNTIME_DIR", runtime_.c_str(), 1);
  // Both with the cached service log-in; only the first can log in again by itself.
  ChildProcess with_file(diag_program(),
                         {"--url", url(), "watch", "--json", "--secret-file", key_file_.string()},
                         device_->dir());
  ChildProcess without_file(diag_program(), {"--url", url(), "watch", "--json"}, device_->dir());
  ::unsetenv("XDG_RUNTIME_DIR");
  ASSERT_TRUE(eventually(
      [&] {
        return samples_in(with_file.standard_output()) >= 3 &&
               samples_in(without_file.standard_output()) >= 3;
      },
      seconds(20)))
      << with_file.standard_error() << without_file.standard_error();

  ASSERT_EQ(device_->terminate_daemon(), 0);
  // Both saw the connection end (so every sample of the old rfneedled is printed), and
  // both keep trying.
  ASSERT_TRUE(eventually(
      [&] {
        return with_file.standard_error().find("connection lost") != std::string::npos &&
               without_file.standard_error().find("connection lost") != std::string::npos;
      },
      seconds(20)))
      << with_file.standard_error() << without_file.standard_error();
  EXPECT_TRUE(with_file.running());
  EXPECT_TRUE(without_file.running());
  const std::size_t before_restart = samples_in(with_file.standard_output());

  device_->restart_daemon(DeviceProcesses::Port::kSame);

  // With --secret-file: told once that the token is gone, logged in again, printing the new
  // rfneedled's samples.
  ASSERT_TRUE(eventually(
      [&] { return samples_in(with_file.standard_output()) >= before_restart + 10; }, seconds(60)))
      << with_file.standard_error() << device_->daemon_log_tail();
  const std::string told = with_file.standard_error();
  EXPECT_EQ(occurrences(told, "no longer accepts the token"), 1u) << told;
  EXPECT_THAT(told, HasSubstr("token unknown or expired"));
  EXPECT_THAT(told, HasSubstr("logged in again as service"));
  EXPECT_THAT(told, HasSubstr("reconnected"));
  EXPECT_TRUE(with_file.running());
  with_file.signal(SIGTERM);
  (void)with_file.wait(seconds(5));
  // Every line it printed is a Telemetry object, before and after the restart.
  EXPECT_EQ(samples_in(with_file.standard_output()), lines_of(with_file.standard_output()).size());

  // Without one: exit 3, naming the log-in to make, its samples before the restart kept.
  const auto status = without_file.wait(seconds(60));
  ASSERT_TRUE(status.has_value()) << without_file.standard_error();
  EXPECT_EQ(*status, 3) << without_file.standard_error();
  EXPECT_THAT(without_file.standard_error(), HasSubstr("rfneedle-diag login"));
  EXPECT_THAT(without_file.standard_error(), HasSubstr("token unknown or expired"));
  EXPECT_GE(samples_in(without_file.standard_output()), 3u);

  // The fresh log-in replaced the dead token in the cache: the next command uses it.
  const RunResult r = diag({"status", "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
}

}  // namespace
}  // namespace rfneedle::testing
