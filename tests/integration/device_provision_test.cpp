// A treatment device as the package sets it up (issue 14; docs/operations.md,
// "Provisioning"): the real rfneedled provisioned with `--provision` from a secrets file,
// run with a production configuration (no simulated boards, no accounts) against the
// real rfneedle-sim. The simulated boards' handshakes are refused (ServiceLock,
// handshake_mismatch: SR-41, SR-92), the provisioned service key and operator log in,
// and a configuration that allows simulated boards or carries accounts does not start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "tests/integration/device_test_main.h"
#include "tests/support/api_client.h"
#include "tests/support/child_process.h"

namespace rfneedle::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr const char* kServiceKey = "provision-test-key-0123456789";
constexpr const char* kOperator = "first-op";
constexpr const char* kPin = "482915";

class DeviceProvision : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rfneedle-provision-it-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_config("");
    std::ofstream(dir_ / "secrets") << kServiceKey << "\n" << kOperator << "\n" << kPin << "\n";
  }
  void TearDown() override {
    daemon_.reset();
    sim_.reset();
    if (!HasFailure()) {
      fs::remove_all(dir_);
    } else {
      std::cerr << "kept " << dir_ << "\n";
    }
  }
  // The package's configuration with this test's paths, and `extra` appended.
  void write_config(const std::string& extra) {
    std::ofstream(dir_ / "rfneedled.conf")
        << "daemon {\n  generator: \"" << (dir_ / "generator").string() << "\"\n  actuator: \""
        << (dir_ / "actuator").string() << "\"\n  listen: \"127.0.0.1:0\"\n  data_dir: \""
        << (dir_ / "data").string() << "\"\n}\n"
        << extra;
  }
  RunResult provision() {
    return run_program(device_programs().daemon,
                       {"--provision", "--config", (dir_ / "rfneedled.conf").string(), "--secrets",
                        (dir_ / "secrets").string()},
                       dir_, seconds(30));
  }
  RunResult run_daemon_to_exit() {
    return run_program(device_programs().daemon, {"--config", (dir_ / "rfneedled.conf").string()},
                       dir_, seconds(10));
  }

  fs::path dir_;
  std::unique_ptr<ChildProcess> sim_;
  std::unique_ptr<ChildProcess> daemon_;
};

// Verifies: SR-92, SR-93
TEST_F(DeviceProvision, AProvisionedDeviceRefusesSimulatedBoardsAndItsKeyAndOperatorLogIn) {
  const RunResult provisioned = provision();
  ASSERT_EQ(provisioned.status, 0) << provisioned.err;
  EXPECT_THAT(provisioned.err, HasSubstr("operator 'first-op' in the store"));
  EXPECT_TRUE(fs::exists(dir_ / "data" / "service-key.argon2id"));
  const RunResult again = provision();
  EXPECT_EQ(again.status, 1);
  EXPECT_THAT(again.err, HasSubstr("the device is provisioned already"));

  sim_ = std::make_unique<ChildProcess>(
      device_programs().simulator,
      std::vector<std::string>{"--generator-link", (dir_ / "generator").string(), "--actuator-link",
                               (dir_ / "actuator").string(), "--control",
                               (dir_ / "sim.sock").string()},
      dir_);
  ASSERT_TRUE(
      eventually([&] { return fs::exists(dir_ / "generator") && fs::exists(dir_ / "actuator"); }));
  daemon_ = std::make_unique<ChildProcess>(
      device_programs().daemon,
      std::vector<std::string>{"--config", (dir_ / "rfneedled.conf").string()}, dir_);
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)/");
  std::smatch m;
  std::string log;
  ASSERT_TRUE(eventually(
      [&] {
        log = daemon_->standard_error();
        return !daemon_->running() || std::regex_search(log, m, listening);
      },
      seconds(20)));
  ASSERT_TRUE(std::regex_search(log, m, listening)) << log;
  const ApiClient api("127.0.0.1", static_cast<std::uint16_t>(std::stoi(m[1].str())));

  // The simulated boards answer their handshakes as simulated: refused.
  api::Status status;
  const bool locked = eventually(
      [&] {
        const ApiResponse r = api.get_as_display("/api/v1/status");
        if (!r.ok()) {
          return false;
        }
        status = r.as<api::Status>();
        return status.state() == api::STATE_SERVICE_LOCK &&
               std::any_of(status.conditions().begin(), status.conditions().end(),
                           [](const auto& c) { return c.name() == "handshake_mismatch"; });
      },
      seconds(20));
  EXPECT_TRUE(locked) << status.DebugString() << daemon_->standard_error();

  api::LoginRequest service;
  service.set_role(api::ROLE_SERVICE);
  service.set_secret(kServiceKey);
  const ApiResponse service_login = api.post("/api/v1/login", service);
  EXPECT_TRUE(service_login.ok()) << service_login.describe();
  api::LoginRequest op;
  op.set_role(api::ROLE_OPERATOR);
  op.set_user(kOperator);
  op.set_secret(kPin);
  const ApiResponse operator_login = api.post("/api/v1/login", op);
  EXPECT_TRUE(operator_login.ok()) << operator_login.describe();

  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(seconds(10)), 0);

  // The demo's settings on this provisioned device: refused, naming them.
  write_config("boards { allow_simulated: true }\n");
  RunResult refused = run_daemon_to_exit();
  EXPECT_EQ(refused.status, 2);
  EXPECT_THAT(refused.err, HasSubstr("boards.allow_simulated"));
  EXPECT_THAT(refused.err, HasSubstr("(SR-92)"));
  const RunResult hashed =
      run_program(device_programs().daemon, {"--hash-secret"}, dir_, seconds(10), dir_ / "secrets");
  ASSERT_EQ(hashed.status, 0) << hashed.err;
  const std::string hash = hashed.out.substr(0, hashed.out.find('\n'));
  write_config("accounts { service_key_hash: \"" + hash + "\" }\n");
  refused = run_daemon_to_exit();
  EXPECT_EQ(refused.status, 2);
  EXPECT_THAT(refused.err, HasSubstr("(SR-93)"));
}

// Verifies: SR-92
TEST_F(DeviceProvision, ProvisioningRefusesAConfigurationThatAllowsSimulatedBoards) {
  write_config("boards { allow_simulated: true }\n");
  const RunResult refused = provision();
  EXPECT_EQ(refused.status, 2);
  EXPECT_THAT(refused.err, HasSubstr("boards.allow_simulated"));
  EXPECT_FALSE(fs::exists(dir_ / "data" / "service-key.argon2id"));
}

}  // namespace
}  // namespace rfneedle::testing
