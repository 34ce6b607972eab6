// The rfneedle-diag tests' fixture: a device as real processes (DeviceProcesses), its
// credentials in files, a private $XDG_RUNTIME_DIR, and rfneedle-diag run against it.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
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
  // Whether the host disturbed the device (is_host_disturbed, docs/operations.md, the host
  // caveat). These tests check rfneedle-diag, not the interlocks, so such a run says
  // nothing about them and is run again.
  bool host_disturbed() { return is_host_disturbed(device_->status()); }
  // Runs `body` on freshly started processes until a run the host did not disturb (at most
  // three): `body` returns false when host_disturbed() said so, before asserting anything.
  template <typename Body>
  void on_undisturbed_device(const DeviceOptions& options, Body&& body) {
    for (int attempt = 0;; ++attempt) {
      start(options);
      login_service();
      if (body() || attempt == 2) return;
      std::string causes;
      for (const auto& c : fault_causes(device_->status()))
        causes += (causes.empty() ? "" : ", ") + c;
      std::cerr << "the host disturbed the device (" << causes
                << "); running again on fresh processes\n";
      device_.reset();
    }
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
