// rfneedled's command line and its settings: every bad flag is refused naming it, and a
// flag overrides the configuration's `daemon` section (issue 9).
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

DaemonOptions parsed(const std::vector<std::string>& args) {
  auto p = parse_daemon_options(args);
  EXPECT_TRUE(std::holds_alternative<DaemonOptions>(p)) << error_of(args);
  return std::holds_alternative<DaemonOptions>(p) ? std::get<DaemonOptions>(p) : DaemonOptions{};
}

std::variant<DaemonSettings, OptionsError> resolved(const std::vector<std::string>& args,
                                                    const DaemonOptions& file = {}) {
  return resolve_settings(parsed(args), file, "c.conf");
}

TEST(DaemonOptions, TheFlagsAndTheDefaults) {
  const auto r = resolved(kRequired);
  ASSERT_TRUE(std::holds_alternative<DaemonSettings>(r));
  const DaemonSettings& s = std::get<DaemonSettings>(r);
  EXPECT_EQ(s.generator_path, "/dev/g");
  EXPECT_EQ(s.actuator_path, "/dev/a");
  EXPECT_EQ(s.listen_address, "127.0.0.1");
  EXPECT_EQ(s.listen_port, 8080);
  EXPECT_EQ(s.data_dir, ".");
  EXPECT_FALSE(s.sim_control.has_value());
}

TEST(DaemonOptions, TheConfigFileIsRequired) {
  EXPECT_NE(error_of({"--generator", "/dev/g"}).find("--config"), std::string::npos);
}

TEST(DaemonOptions, APathMissingFromFlagsAndFileIsNamedBoth) {
  const auto r = resolved({"--config", "c.conf", "--generator", "/dev/g"});
  ASSERT_TRUE(std::holds_alternative<OptionsError>(r));
  const std::string& m = std::get<OptionsError>(r).message;
  EXPECT_NE(m.find("--actuator"), std::string::npos) << m;
  EXPECT_NE(m.find("daemon.actuator"), std::string::npos) << m;
}

TEST(DaemonOptions, AFlagOverridesTheConfigFile) {
  DaemonOptions file;
  file.generator_path = "/dev/from-file";
  file.actuator_path = "/dev/act-file";
  file.listen = "127.0.0.1:9000";
  const auto r = resolved({"--config", "c.conf", "--generator", "/dev/g"}, file);
  ASSERT_TRUE(std::holds_alternative<DaemonSettings>(r));
  EXPECT_EQ(std::get<DaemonSettings>(r).generator_path, "/dev/g");
  EXPECT_EQ(std::get<DaemonSettings>(r).actuator_path, "/dev/act-file");
  EXPECT_EQ(std::get<DaemonSettings>(r).listen_port, 9000);
}

TEST(DaemonOptions, AnUnknownFlagIsNamed) {
  EXPECT_NE(error_of(with({"--colour", "red"})).find("--colour"), std::string::npos);
}

// Verifies: SR-76
TEST(DaemonOptions, TheApiListensOnLoopbackOnly) {
  const auto r = resolved(with({"--listen", "[::1]:0"}));
  ASSERT_TRUE(std::holds_alternative<DaemonSettings>(r));
  EXPECT_EQ(std::get<DaemonSettings>(r).listen_address, "::1");
  EXPECT_EQ(std::get<DaemonSettings>(r).listen_port, 0);
  EXPECT_NE(error_of(with({"--listen", "0.0.0.0:8080"})).find("not a loopback address"),
            std::string::npos);
  EXPECT_NE(error_of(with({"--listen", "192.168.1.4:8080"})).find("--listen"), std::string::npos);
  EXPECT_NE(error_of(with({"--listen", "127.0.0.1:99999"})).find("not a port"), std::string::npos);
  EXPECT_NE(error_of(with({"--listen", "127.0.0.1"})).find("ADDRESS:PORT"), std::string::npos);
  DaemonOptions file;
  file.listen = "10.0.0.1:8080";
  const auto from_file = resolved(kRequired, file);
  ASSERT_TRUE(std::holds_alternative<OptionsError>(from_file));
  EXPECT_NE(std::get<OptionsError>(from_file).message.find("daemon.listen"), std::string::npos);
}

TEST(DaemonOptions, HelpAndHashSecretNeedNothingElse) {
  EXPECT_TRUE(parsed({"--help"}).help);
  EXPECT_TRUE(parsed({"--hash-secret"}).hash_secret);
  EXPECT_NE(error_of({"--hash-secret", "--config", "c"}).find("--hash-secret"), std::string::npos);
}

// Issue 14: the metrics-only socket may be on any numeric address (the API may not).
TEST(DaemonOptions, MetricsListenTakesAnyNumericAddress) {
  const auto r = resolved(with({"--metrics-listen", "192.168.10.20:9464"}));
  ASSERT_TRUE(std::holds_alternative<DaemonSettings>(r));
  EXPECT_EQ(std::get<DaemonSettings>(r).metrics_address, "192.168.10.20");
  EXPECT_EQ(std::get<DaemonSettings>(r).metrics_port, 9464);
  const auto v6 = resolved(with({"--metrics-listen", "[::]:0"}));
  ASSERT_TRUE(std::holds_alternative<DaemonSettings>(v6));
  EXPECT_EQ(std::get<DaemonSettings>(v6).metrics_address, "::");
  EXPECT_FALSE(std::get<DaemonSettings>(resolved(kRequired)).metrics_address.has_value());
}

TEST(DaemonOptions, MetricsListenRefusesWhatIsNotAnAddressAndPort) {
  EXPECT_NE(error_of(with({"--metrics-listen", "clinic-host:9464"})).find("--metrics-listen"),
            std::string::npos);
  EXPECT_NE(error_of(with({"--metrics-listen", "10.0.0.1"})).find("ADDRESS:PORT"),
            std::string::npos);
  EXPECT_NE(error_of(with({"--metrics-listen", "10.0.0.1:70000"})).find("port"),
            std::string::npos);
  DaemonOptions file;
  file.metrics_listen = "nope:1";
  const auto r = resolved(kRequired, file);
  ASSERT_TRUE(std::holds_alternative<OptionsError>(r));
  EXPECT_NE(std::get<OptionsError>(r).message.find("daemon.metrics_listen"), std::string::npos);
}

TEST(DaemonOptions, StoreCommandsOneAtATime) {
  const DaemonOptions b = parsed({"--config", "c.conf", "--backup", "/tmp/b.db"});
  EXPECT_EQ(b.backup_file, "/tmp/b.db");
  EXPECT_TRUE(parsed({"--config", "c.conf", "--session-open-check"}).session_open_check);
  EXPECT_EQ(parsed({"--config", "c.conf", "--restore", "r.db"}).restore_file, "r.db");
  EXPECT_NE(error_of({"--config", "c.conf", "--backup", "b", "--restore", "r"})
                .find("one at a time"),
            std::string::npos);
}

}  // namespace
}  // namespace rfneedle::daemon
