// rfneedled's command line: every bad flag is refused naming it (issue 9).
#include "controller/daemon/daemon_options.h"

#include <gtest/gtest.h>

namespace rfneedle::daemon {
namespace {

const std::vector<std::string> kRequired = {"--config", "c.conf",     "--generator",
                                            "/dev/g",   "--actuator", "/dev/a"};

std::vector<std::string> with(std::vector<std::string> extra) {
  std::vector<std::string> args = kRequired;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string error_of(const std::vector<std::string>& args) {
  const auto parsed = parse_daemon_options(args);
  const auto* error = std::get_if<OptionsError>(&parsed);
  return error != nullptr ? error->message : std::string{};
}

TEST(DaemonOptions, TheRequiredFlagsAndTheDefaults) {
  const auto parsed = parse_daemon_options(kRequired);
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(parsed)) << error_of(kRequired);
  const DaemonOptions& o = std::get<DaemonOptions>(parsed);
  EXPECT_EQ(o.config_path, "c.conf");
  EXPECT_EQ(o.generator_path, "/dev/g");
  EXPECT_EQ(o.actuator_path, "/dev/a");
  EXPECT_EQ(o.listen_address, "127.0.0.1");
  EXPECT_EQ(o.listen_port, 8080);
  EXPECT_FALSE(o.sim_control.has_value());
}

TEST(DaemonOptions, AMissingRequiredFlagIsNamed) {
  EXPECT_NE(error_of({"--config", "c.conf", "--generator", "/dev/g"}).find("--actuator"),
            std::string::npos);
}

TEST(DaemonOptions, AnUnknownFlagIsNamed) {
  EXPECT_NE(error_of(with({"--colour", "red"})).find("--colour"), std::string::npos);
}

// Verifies: SR-76
TEST(DaemonOptions, TheApiListensOnLoopbackOnly) {
  const auto parsed = parse_daemon_options(with({"--listen", "[::1]:0"}));
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(parsed));
  EXPECT_EQ(std::get<DaemonOptions>(parsed).listen_address, "::1");
  EXPECT_EQ(std::get<DaemonOptions>(parsed).listen_port, 0);
  EXPECT_NE(error_of(with({"--listen", "0.0.0.0:8080"})).find("not a loopback address"),
            std::string::npos);
  EXPECT_NE(error_of(with({"--listen", "192.168.1.4:8080"})).find("--listen"), std::string::npos);
  EXPECT_NE(error_of(with({"--listen", "127.0.0.1:99999"})).find("not a port"), std::string::npos);
  EXPECT_NE(error_of(with({"--listen", "127.0.0.1"})).find("ADDRESS:PORT"), std::string::npos);
}

TEST(DaemonOptions, HelpNeedsNothingElse) {
  const auto parsed = parse_daemon_options({"--help"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(parsed));
  EXPECT_TRUE(std::get<DaemonOptions>(parsed).help);
}

}  // namespace
}  // namespace rfneedle::daemon
