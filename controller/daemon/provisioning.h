// Provisioning a treatment device (issue 14; docs/operations.md, "Provisioning"):
// `rfneedled --provision` sets the service key and the first operator once, from standard
// input or a file (never the command line, where `ps` shows it), and stores them only as
// Argon2id hashes: the key's in a file beside the store, the operator in the store. A
// device with that key file is provisioned for treatment (production): its configuration
// may not allow simulated boards or name a simulator (SR-92) nor carry accounts (SR-93).
// Devices without one (the demo, the tests) take their accounts from the configuration.
#pragma once

#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <variant>

#include "controller/daemon/daemon_config.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon {

// The service key's Argon2id hash, one line, mode 0600, in the data directory.
inline constexpr const char* kServiceKeyFileName = "service-key.argon2id";
// A service key is at least this long (the demo's and the tests' are 32 hex digits).
inline constexpr std::size_t kMinServiceKeySize = 16;
inline constexpr std::size_t kMaxServiceKeySize = 256;

[[nodiscard]] std::filesystem::path service_key_path(const std::filesystem::path& data_dir);

// What --provision reads: three lines, the service key, the first operator's user name,
// that operator's PIN. Errors name the line and the rule it breaks, never the secret.
struct ProvisioningInput {
  std::string service_key;
  std::string operator_user;
  std::string operator_pin;
};
[[nodiscard]] std::variant<ProvisioningInput, std::string> read_provisioning_input(
    std::istream& in);

// SR-92, SR-93: why `config` (read from `config_path`) may not run a provisioned device,
// naming the setting; nothing when it may. `sim_control` is the resolved setting (flag or
// file).
[[nodiscard]] std::optional<std::string> production_config_error(
    const DaemonConfig& config, const std::optional<std::string>& sim_control,
    const std::string& config_path);

// The provisioned device's service key hash; nothing when the device is not provisioned
// (no key file); an error naming the file when it is unreadable or not one Argon2id hash.
struct ServiceKeyFile {
  std::optional<std::string> hash;
  std::string error;
};
[[nodiscard]] ServiceKeyFile read_service_key(const std::filesystem::path& data_dir);

// Writes the key's hash (refusing when a key file is there already) and adds the first
// operator to `store` (refusing when it holds operators). `hash` is hash_secret (auth.h)
// or a test's. An error names what was refused; the input's secrets are wiped either way.
using SecretHasher = std::string (*)(std::string_view secret);
[[nodiscard]] std::optional<std::string> provision(const std::filesystem::path& data_dir,
                                                   ProvisioningInput& input, Store& store,
                                                   SecretHasher hash, WallMs now);

}  // namespace rfneedle::daemon

namespace rfneedle::daemon {

// `rfneedled --provision`: the input from `secrets_path` or standard input, the
// configuration checked as a provisioned device's (SR-92, SR-93), the data directory
// created and owned by whoever runs it (refused when another user owns it: run it as the
// user rfneedled runs as), the store opened, provision(). Messages on stderr; 0 when
// provisioned, 2 for bad input or configuration, 1 when refused or failed.
[[nodiscard]] int run_provisioning(const DaemonConfig& config, const std::string& config_path,
                                   const std::optional<std::string>& secrets_path,
                                   const std::optional<std::string>& sim_control,
                                   const std::filesystem::path& data_dir);

}  // namespace rfneedle::daemon
