// rfneedle-diag's prompts on a real terminal (a pseudo-terminal of its own, TerminalProcess):
// the secret is asked without echo, so what the engineer types never shows; a confirmation
// answered "n" changes nothing and "y" does the change (docs/operations.md, "Log-in",
// "Confirmation"). The simulator's history is the ground truth of what was injected.
#include "tests/integration/diag_cli_fixture.h"
#include "tests/support/terminal_process.h"

namespace rfneedle::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class DiagPromptTest : public DiagCliTest {
 protected:
  // rfneedle-diag ARGS on a terminal of its own, with the test's $XDG_RUNTIME_DIR.
  std::unique_ptr<TerminalProcess> on_terminal(std::vector<std::string> args) {
    args.insert(args.begin(), {"--url", url()});
    ::setenv("XDG_RUNTIME_DIR", runtime_.c_str(), 1);
    auto process = std::make_unique<TerminalProcess>(diag_program(), args);
    ::unsetenv("XDG_RUNTIME_DIR");
    return process;
  }
  // What the terminal showed after `prompt`, once the program ended; the exit status in
  // `status`. Types `keys` (Enter is "\r", as a keyboard sends it) once the prompt shows.
  std::string answer(TerminalProcess& p, const std::string& prompt, const std::string& keys,
                     int& status) {
    EXPECT_TRUE(p.wait_for(prompt, seconds(20))) << p.transcript();
    p.type(keys);
    const auto ended = p.wait(seconds(60));
    EXPECT_TRUE(ended.has_value()) << p.transcript();
    status = ended.value_or(-1);
    const auto at = p.transcript().find(prompt);
    return at == std::string::npos ? "" : p.transcript().substr(at + prompt.size());
  }
};

TEST_F(DiagPromptTest, LogInAsksForTheSecretWithoutEchoingIt) {
  start();
  int status = -1;
  // The service key: nothing the engineer typed shows; the program's own newline follows
  // the prompt directly (with echo on, the key and the terminal's newline would be there).
  auto login = on_terminal({"login"});
  std::string after = answer(*login, "service key: ", device_->service_key() + "\r", status);
  EXPECT_EQ(status, 0) << login->transcript();
  EXPECT_THAT(after, StartsWith("\r\nlogged in as service until ")) << login->transcript();
  EXPECT_THAT(login->transcript(), Not(HasSubstr(device_->service_key())));
  RunResult r = diag({"status"});
  EXPECT_EQ(r.status, 0) << r.err;  // the token the prompt's log-in cached

  // An operator's PIN, likewise.
  auto op = on_terminal({"login", "--role", "operator", "--user", device_->operator_user()});
  after = answer(*op, "PIN for " + device_->operator_user() + ": ", device_->operator_pin() + "\r",
                 status);
  EXPECT_EQ(status, 0) << op->transcript();
  EXPECT_THAT(after, StartsWith("\r\nlogged in as operator " + device_->operator_user()))
      << op->transcript();

  // A wrong key: not echoed either, the controller's refusal named, exit 3.
  const std::string wrong = "not-the-service-key";
  auto refused = on_terminal({"login"});
  after = answer(*refused, "service key: ", wrong + "\r", status);
  EXPECT_EQ(status, 3) << refused->transcript();
  EXPECT_THAT(after, StartsWith("\r\nrfneedle-diag: not authorised (401): wrong user or secret"))
      << refused->transcript();
  EXPECT_THAT(refused->transcript(), Not(HasSubstr(wrong)));

  // Nothing typed: the empty secret is refused before anything is sent (usage, exit 2).
  auto empty = on_terminal({"login"});
  after = answer(*empty, "service key: ", "\r", status);
  EXPECT_EQ(status, 2) << empty->transcript();
  EXPECT_THAT(after, HasSubstr("the secret is empty"));
}

TEST_F(DiagPromptTest, ConfirmationAnsweredNoChangesNothingAndYesMakesTheChange) {
  start();
  login_service();
  const std::string prompt = "inject the simulated fault impedance-drift? [y/N] ";
  int status = -1;

  auto declined = on_terminal({"sim", "faults", "inject", "impedance-drift", "--for", "200"});
  std::string after = answer(*declined, prompt, "n\r", status);
  EXPECT_EQ(status, 2) << declined->transcript();
  EXPECT_THAT(after, HasSubstr("not confirmed: nothing changed"));
  EXPECT_EQ(device_->history().injection("impedance-drift"), nullptr);

  // Enter alone takes the default, N.
  auto defaulted = on_terminal({"sim", "faults", "inject", "impedance-drift", "--for", "200"});
  after = answer(*defaulted, prompt, "\r", status);
  EXPECT_EQ(status, 2) << defaulted->transcript();
  EXPECT_EQ(device_->history().injection("impedance-drift"), nullptr);

  auto confirmed = on_terminal({"sim", "faults", "inject", "impedance-drift", "--for", "200"});
  after = answer(*confirmed, prompt, "y\r", status);
  EXPECT_EQ(status, 0) << confirmed->transcript();
  EXPECT_THAT(after, HasSubstr("injected impedance-drift"));
  const SimHistory h = device_->history();
  ASSERT_NE(h.injection("impedance-drift"), nullptr);
  ASSERT_TRUE(h.injection("impedance-drift")->until_us.has_value());
  EXPECT_EQ(*h.injection("impedance-drift")->until_us - h.injection("impedance-drift")->at_us,
            200'000);
}

}  // namespace
}  // namespace rfneedle::testing
