#include "controller/daemon/provisioning.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "controller/daemon/auth.h"
#include "controller/daemon/device_store.h"
#include "controller/daemon/operator_names.h"

namespace rfneedle::daemon {
namespace {

void wipe(std::string& secret) { sodium_memzero(secret.data(), secret.size()); }

bool is_service_key(std::string_view key) {
  if (key.size() < kMinServiceKeySize || key.size() > kMaxServiceKeySize) {
    return false;
  }
  for (const char c : key) {
    if (c <= ' ' || c > '~') {  // printable ASCII, no spaces
      return false;
    }
  }
  return true;
}

// One line without its newline (a CR before it too); false at the end of the input.
bool next_line(std::istream& in, std::string& line) {
  if (!std::getline(in, line)) {
    return false;
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return true;
}

}  // namespace

std::filesystem::path service_key_path(const std::filesystem::path& data_dir) {
  return data_dir / kServiceKeyFileName;
}

std::variant<ProvisioningInput, std::string> read_provisioning_input(std::istream& in) {
  ProvisioningInput input;
  const auto fail = [&](std::string message) -> std::variant<ProvisioningInput, std::string> {
    wipe(input.service_key);
    wipe(input.operator_pin);
    return message;
  };
  if (!next_line(in, input.service_key)) {
    return fail("line 1: no service key (the input is three lines: service key, operator, PIN)");
  }
  if (!is_service_key(input.service_key)) {
    return fail("line 1: the service key must be " + std::to_string(kMinServiceKeySize) + " to " +
                std::to_string(kMaxServiceKeySize) + " printable characters without spaces");
  }
  if (!next_line(in, input.operator_user)) {
    return fail("line 2: no operator user name");
  }
  if (!is_operator_name(input.operator_user)) {
    return fail("line 2: the operator user name must be " + std::string(kOperatorNameRule));
  }
  if (!next_line(in, input.operator_pin)) {
    return fail("line 3: no PIN for operator '" + input.operator_user + "'");
  }
  if (!is_pin(input.operator_pin)) {
    return fail("line 3: the PIN must be " + std::string(kPinRule));
  }
  std::string extra;
  while (next_line(in, extra)) {
    if (!extra.empty()) {
      wipe(extra);
      return fail("after line 3: more input than the service key, operator and PIN");
    }
  }
  return input;
}

std::optional<std::string> production_config_error(const DaemonConfig& config,
                                                   const std::optional<std::string>& sim_control,
                                                   const std::string& config_path) {
  const std::string where = " in " + config_path + " on a provisioned device";
  if (config.boards.allow_simulated) {
    return "boards.allow_simulated" + where +
           ": a treatment device accepts no simulated boards (SR-92)";
  }
  if (sim_control) {
    return "daemon.sim_control (or --sim-control)" + where +
           ": a treatment device talks to no simulator (SR-92)";
  }
  if (!config.service_key_hash.empty() || !config.operators.empty()) {
    return "accounts" + where +
           ": its credentials are set by rfneedled --provision and the service role only (SR-93)";
  }
  return std::nullopt;
}

ServiceKeyFile read_service_key(const std::filesystem::path& data_dir) {
  const std::filesystem::path path = service_key_path(data_dir);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return {};
  }
  std::ifstream file(path);
  std::string hash;
  if (!file || !std::getline(file, hash)) {
    return {.hash = std::nullopt, .error = path.string() + ": unreadable"};
  }
  if (const auto why = check_hash(hash)) {
    return {.hash = std::nullopt, .error = path.string() + ": " + *why};
  }
  return {.hash = hash, .error = {}};
}

std::optional<std::string> provision(const std::filesystem::path& data_dir,
                                     ProvisioningInput& input, Store& store, SecretHasher hash,
                                     WallMs now) {
  struct Wipe {
    ProvisioningInput& input;
    ~Wipe() {
      wipe(input.service_key);
      wipe(input.operator_pin);
    }
  } wipe_on_return{input};
  const std::filesystem::path key_path = service_key_path(data_dir);
  std::error_code error;
  if (std::filesystem::exists(key_path, error)) {
    return key_path.string() +
           ": the device is provisioned already; the service role manages its operators "
           "(remove the file to set a new service key)";
  }
  if (!store.operators().empty()) {
    return "the store in " + data_dir.string() +
           " holds operators already; the service role manages them";
  }
  const std::string key_hash = hash(input.service_key);
  const std::string pin_hash = hash(input.operator_pin);
  if (key_hash.empty() || pin_hash.empty()) {
    return "hashing failed";
  }
  // The key's hash to a file beside its final name first, the operator next, then the
  // file renamed into place: a key file present means provisioning finished.
  const std::filesystem::path partial = key_path.string() + ".partial";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return partial.string() + ": cannot be written";
  }
  const std::string line = key_hash + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::filesystem::remove(partial, error);
    return partial.string() + ": cannot be written";
  }
  const OperatorRecord account{.user = input.operator_user,
                               .pin_hash = pin_hash,
                               .disabled = false,
                               .created_at = now,
                               .changed_at = now};
  if (!store.add_operator(account)) {
    std::filesystem::remove(partial, error);
    return "the store in " + data_dir.string() + " refused operator '" + input.operator_user + "'";
  }
  std::filesystem::rename(partial, key_path, error);
  if (error) {
    return key_path.string() + ": " + error.message();
  }
  return std::nullopt;
}

int run_provisioning(const DaemonConfig& config, const std::string& config_path,
                     const std::optional<std::string>& secrets_path,
                     const std::optional<std::string>& sim_control,
                     const std::filesystem::path& data_dir) {
  const auto error = [](const std::string& message, int status) {
    std::cerr << "rfneedled: --provision: " << message << "\n";
    return status;
  };
  if (const auto why = production_config_error(config, sim_control, config_path)) {
    return error(*why, 2);
  }
  std::variant<ProvisioningInput, std::string> read;
  if (secrets_path) {
    std::ifstream file(*secrets_path);
    if (!file) {
      return error("--secrets " + *secrets_path + ": cannot be read", 2);
    }
    read = read_provisioning_input(file);
  } else {
    read = read_provisioning_input(std::cin);
  }
  if (const auto* why = std::get_if<std::string>(&read)) {
    return error((secrets_path ? *secrets_path : std::string("standard input")) + ", " + *why, 2);
  }
  ProvisioningInput& input = std::get<ProvisioningInput>(read);
  std::error_code fs_error;
  std::filesystem::create_directories(data_dir, fs_error);
  struct stat info {};
  if (fs_error || ::stat(data_dir.c_str(), &info) != 0) {
    return error(data_dir.string() + ": cannot be created", 1);
  }
  if (info.st_uid != ::geteuid()) {
    return error(data_dir.string() +
                     " belongs to another user: run --provision as the user rfneedled runs as "
                     "(runuser -u rfneedle -- rfneedled --provision ...)",
                 1);
  }
  DeviceStore opened = open_device_store(data_dir);
  if (!opened.unusable.empty()) {
    return error(opened.unusable, 1);
  }
  const WallMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const std::string user = input.operator_user;
  if (const auto why = provision(data_dir, input, *opened.store, hash_secret, now)) {
    return error(*why, 1);
  }
  std::cerr << "rfneedled: provisioned: the service key's hash in "
            << service_key_path(data_dir).string() << ", operator '" << user << "' in the store\n";
  return 0;
}

}  // namespace rfneedle::daemon
