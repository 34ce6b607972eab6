// The rfneedle-diag tests' fixture: a device as real processes (DeviceProcesses), its
// credentials in files, a private $XDG_RUNTIME_DIR, and rfneedle-diag run against it.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/diag_test_main.h"
#include "tests/support/child_process.h"

namespace rfneedle::testing {

using std::chrono::milliseconds;
using std::chrono::seconds;

inline std::string parse_error(const std::string& json, google::protobuf::Message& out) {
  return parse_api_json(json, out);
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text << "\n";
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DiagCliTest : public ::testing::Test {
 protected:
  void start(DeviceOptions options = {}) {
    // The host caveat: a busy host can fault a link during start-up itself; then the
    // processes start again (at most three times).
    for (int attempt = 0;; ++attempt) {
      try {
        device_ = std::make_unique<DeviceProcesses>(device_programs(), options);
        break;
      } catch (const DeviceError& e) {
        if (attempt == 2) throw;
        std::cerr << "the device did not start (" << std::string(e.what()).substr(0, 160)
                  << "); starting again\n";
      }
    }
    runtime_ = device_->dir() / "runtime";
    std::filesystem::create_directories(runtime_);
    ::chmod(runtime_.c_str(), 0700);
    key_file_ = device_->dir() / "service.key";
    pin_file_ = device_->dir() / "operator.pin";
    write_file(key_file_, device_->service_key());
    write_file(pin_file_, device_->operator_pin());
    device_->log_in_for_host_faults();
  }
  void TearDown() override {
    if (HasFailure() && device_) device_->keep_dir();
  }

  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(device_->port());
  }
  // rfneedle-diag ARGS against the device, with the test's $XDG_RUNTIME_DIR (or none).
  RunResult diag(std::vector<std::string> args, bool with_runtime = true,
                 milliseconds limit = seconds(60)) {
    args.insert(args.begin(), {"--url", url()});
    return run_diag(std::move(args), with_runtime, limit);
  }
  RunResult run_diag(const std::vector<std::string>& args, bool with_runtime = true,
                     milliseconds limit = seconds(60)) {
    if (with_runtime) {
      ::setenv("XDG_RUNTIME_DIR", runtime_.c_str(), 1);
    } else {
      ::unsetenv("XDG_RUNTIME_DIR");
    }
    const std::filesystem::path out_dir =
        device_ ? device_->dir() : std::filesystem::temp_directory_path();
    RunResult r = run_program(diag_program(), args, out_dir, limit);
    ::unsetenv("XDG_RUNTIME_DIR");
    return r;
  }
  // diag() for a command that drives the device (self-test, calibration). The host caveat
  // (docs/operations.md, "Testing with the real processes"): when the device latched with
  // only the host's causes (a telemetry gap), the harness clears it as the manual says and
  // the command runs again, at most three times; any other outcome is the command's.
  RunResult diag_on_device(const std::vector<std::string>& args) {
    RunResult r = diag(args);
    for (int again = 0; again < 3; ++again) {
      const auto cleared = device_->clear_host_fault();
      if (!cleared) {
        return r;
      }
      std::cerr << "host fault cleared, running again: " << *cleared << "\n";
      r = diag(args);
    }
    return r;
  }
  void login_service() {
    const RunResult r = diag({"login", "--secret-file", key_file_.string()});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  void login_operator() {
    const RunResult r = diag({"login", "--role", "operator", "--user", device_->operator_user(),
                              "--secret-file", pin_file_.string()});
    ASSERT_EQ(r.status, 0) << r.err;
  }

  std::unique_ptr<DeviceProcesses> device_;
  std::filesystem::path runtime_;
  std::filesystem::path key_file_;
  std::filesystem::path pin_file_;
};

}  // namespace rfneedle::testing
