// Provisioning a treatment device (issue 14): the service key and first operator read
// from standard input or a file only, stored as hashes; a provisioned device's
// configuration allows no simulated boards (SR-92) and carries no accounts (SR-93); the
// configuration the package ships is such a configuration.
#include "controller/daemon/provisioning.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "controller/daemon/auth.h"
#include "controller/daemon/daemon_options.h"
#include "controller/daemon/memory_store.h"

namespace rfneedle::daemon {
namespace {

namespace fs = std::filesystem;

std::variant<ProvisioningInput, std::string> read(const std::string& text) {
  std::istringstream in(text);
  return read_provisioning_input(in);
}
std::string error_of(const std::string& text) {
  const auto r = read(text);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(ProvisioningInput, ReadsTheServiceKeyTheOperatorAndThePin) {
  const auto r = read("0123456789abcdef0123\r\nanna\n123456\n\n");
  ASSERT_TRUE(std::holds_alternative<ProvisioningInput>(r)) << std::get<std::string>(r);
  const auto& input = std::get<ProvisioningInput>(r);
  EXPECT_EQ(input.service_key, "0123456789abcdef0123");
  EXPECT_EQ(input.operator_user, "anna");
  EXPECT_EQ(input.operator_pin, "123456");
}

TEST(ProvisioningInput, NamesTheLineAndTheRuleNeverTheSecret) {
  EXPECT_EQ(error_of(""),
            "line 1: no service key (the input is three lines: service key, operator, PIN)");
  EXPECT_EQ(error_of("short-key\n"),
            "line 1: the service key must be 16 to 256 printable characters without spaces");
  EXPECT_EQ(error_of("a key with spaces in it\n"),
            "line 1: the service key must be 16 to 256 printable characters without spaces");
  EXPECT_EQ(error_of("0123456789abcdef\n"), "line 2: no operator user name");
  EXPECT_EQ(error_of("0123456789abcdef\nanna smith\n"),
            "line 2: the operator user name must be 1 to 64 of A-Z a-z 0-9 . _ -");
  EXPECT_EQ(error_of("0123456789abcdef\nanna\n"), "line 3: no PIN for operator 'anna'");
  EXPECT_EQ(error_of("0123456789abcdef\nanna\n12345\n"), "line 3: the PIN must be 6 to 16 digits");
  EXPECT_EQ(error_of("0123456789abcdef\nanna\n12345a\n"), "line 3: the PIN must be 6 to 16 digits");
  EXPECT_EQ(error_of("0123456789abcdef\nanna\n123456\nmore\n"),
            "after line 3: more input than the service key, operator and PIN");
}

// Verifies: SR-93
TEST(ProvisionOption, TakesNoSecretOnTheCommandLine) {
  const auto ok = parse_daemon_options({"--provision", "--config", "c.conf", "--secrets", "s"});
  ASSERT_TRUE(std::holds_alternative<DaemonOptions>(ok));
  EXPECT_TRUE(std::get<DaemonOptions>(ok).provision);
  EXPECT_EQ(std::get<DaemonOptions>(ok).secrets_path, "s");
  const auto positional =
      parse_daemon_options({"--provision", "--config", "c.conf", "0123456789abcdef"});
  ASSERT_TRUE(std::holds_alternative<OptionsError>(positional));
  EXPECT_NE(std::get<OptionsError>(positional).message.find("not expected"), std::string::npos);
  const auto secrets_alone = parse_daemon_options({"--config", "c.conf", "--secrets", "s"});
  ASSERT_TRUE(std::holds_alternative<OptionsError>(secrets_alone));
  EXPECT_EQ(std::get<OptionsError>(secrets_alone).message,
            "--secrets is read only with --provision");
}

DaemonConfig config_of(const std::string& text) {
  const auto r = parse_daemon_config(text, "device.conf");
  EXPECT_TRUE(std::holds_alternative<DaemonConfig>(r)) << std::get<std::string>(r);
  return std::holds_alternative<DaemonConfig>(r) ? std::get<DaemonConfig>(r) : DaemonConfig{};
}

// Verifies: SR-92
TEST(ProductionConfig, RefusesSimulatedBoardsAndTheSimulatorsSocket) {
  EXPECT_EQ(production_config_error(config_of("boards { allow_simulated: true }"), std::nullopt,
                                    "device.conf"),
            "boards.allow_simulated in device.conf on a provisioned device: a treatment device "
            "accepts no simulated boards (SR-92)");
  EXPECT_EQ(production_config_error(config_of(""), "/tmp/sim.sock", "device.conf"),
            "daemon.sim_control (or --sim-control) in device.conf on a provisioned device: a "
            "treatment device talks to no simulator (SR-92)");
  EXPECT_EQ(production_config_error(config_of("boards { allow_simulated: false }"), std::nullopt,
                                    "device.conf"),
            std::nullopt);
}

// Verifies: SR-93
TEST(ProductionConfig, RefusesAccounts) {
  const std::string hash = hash_secret("123456");
  const std::string expected =
      "accounts in device.conf on a provisioned device: its credentials are set by rfneedled "
      "--provision and the service role only (SR-93)";
  EXPECT_EQ(production_config_error(
                config_of("accounts { operator { user: \"demo\" pin_hash: \"" + hash + "\" } }"),
                std::nullopt, "device.conf"),
            expected);
  EXPECT_EQ(production_config_error(config_of("accounts { service_key_hash: \"" + hash + "\" }"),
                                    std::nullopt, "device.conf"),
            expected);
}

// Verifies: SR-92, SR-93
TEST(ProductionConfig, TheShippedConfigurationIsOne) {
  const std::string path = std::string(RFNEEDLE_SOURCE_DIR) + "/packaging/rfneedled.conf";
  const auto r = load_daemon_config(path);
  ASSERT_TRUE(std::holds_alternative<DaemonConfig>(r)) << std::get<std::string>(r);
  const DaemonConfig& config = std::get<DaemonConfig>(r);
  EXPECT_FALSE(config.boards.allow_simulated);
  EXPECT_FALSE(config.settings.sim_control);
  EXPECT_TRUE(config.operators.empty());
  EXPECT_TRUE(config.service_key_hash.empty());
  EXPECT_EQ(production_config_error(config, config.settings.sim_control, path), std::nullopt);
  EXPECT_EQ(config.settings.data_dir, "/var/lib/rfneedle");
  EXPECT_EQ(config.settings.frontend_dir, "/usr/share/rfneedle/frontend");
  EXPECT_EQ(config.settings.listen, "127.0.0.1:8080");
  EXPECT_EQ(config.log.file, "/var/log/rfneedle/rfneedled.log");
}

class Provisioning : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rfneedle-provision-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static ProvisioningInput input() { return {"0123456789abcdef0123", "anna", "123456"}; }
  // Fast and recognisable: the secret's hash is never the secret.
  static std::string fake_hash(std::string_view secret) {
    return "hash-of-" + std::to_string(secret.size());
  }

  fs::path dir_;
  MemoryStore store_;
};

// Verifies: SR-93
TEST_F(Provisioning, StoresTheKeysHashBesideTheStoreAndTheOperatorInIt) {
  ProvisioningInput in = input();
  ASSERT_EQ(provision(dir_, in, store_, hash_secret, 1'000), std::nullopt);
  const ServiceKeyFile key = read_service_key(dir_);
  ASSERT_TRUE(key.hash) << key.error;
  EXPECT_TRUE(verify_secret(*key.hash, "0123456789abcdef0123"));
  EXPECT_EQ(fs::status(service_key_path(dir_)).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const auto operators = store_.operators();
  ASSERT_EQ(operators.size(), 1u);
  EXPECT_EQ(operators[0].user, "anna");
  EXPECT_TRUE(verify_secret(operators[0].pin_hash, "123456"));
  EXPECT_EQ(operators[0].created_at, 1'000);
  EXPECT_EQ(in.service_key.find_first_not_of('\0'), std::string::npos) << "the key is wiped";
  EXPECT_EQ(in.operator_pin.find_first_not_of('\0'), std::string::npos) << "the PIN is wiped";
  EXPECT_FALSE(fs::exists(service_key_path(dir_).string() + ".partial"));
}

TEST_F(Provisioning, OnlyOnce) {
  ProvisioningInput first = input();
  ASSERT_EQ(provision(dir_, first, store_, fake_hash, 1'000), std::nullopt);
  ProvisioningInput again = input();
  const auto refused = provision(dir_, again, store_, fake_hash, 2'000);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("the device is provisioned already"), std::string::npos) << *refused;
  EXPECT_EQ(store_.operators().size(), 1u);
}

TEST_F(Provisioning, RefusesAStoreThatHasOperatorsAndWritesNoKey) {
  ASSERT_TRUE(store_.add_operator(
      {.user = "ben", .pin_hash = "h", .disabled = false, .created_at = 1, .changed_at = 1}));
  ProvisioningInput in = input();
  const auto refused = provision(dir_, in, store_, fake_hash, 1'000);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("holds operators already"), std::string::npos) << *refused;
  EXPECT_FALSE(fs::exists(service_key_path(dir_)));
}

TEST_F(Provisioning, AKeyFileThatIsNoHashIsAnErrorNamingIt) {
  EXPECT_FALSE(read_service_key(dir_).hash) << "not provisioned";
  EXPECT_TRUE(read_service_key(dir_).error.empty());
  std::ofstream(service_key_path(dir_)) << "0123456789abcdef0123\n";
  const ServiceKeyFile key = read_service_key(dir_);
  EXPECT_FALSE(key.hash);
  EXPECT_NE(key.error.find(service_key_path(dir_).string()), std::string::npos) << key.error;
}

}  // namespace
}  // namespace rfneedle::daemon
