// rfneedled's command line (issue 9). Parsing is separate from the process so every bad
// flag gets a tested, precise error naming it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rfneedle::daemon {

// Each setting but the configuration file may also come from the file's `daemon`
// section; a flag overrides it (resolve_settings).
struct DaemonOptions {
  std::string config_path;                    // text-format config.proto (DeviceConfig)
  std::optional<std::string> generator_path;  // the generator board's serial device
  std::optional<std::string> actuator_path;   // the actuator board's serial device
  std::optional<std::string> listen;          // ADDRESS:PORT, loopback only
  std::optional<std::string> data_dir;        // the store lives here
  std::optional<std::string> sim_control;     // rfneedle-sim's control socket (SR-77)
  std::optional<std::string> frontend_dir;    // files served at /
  bool help = false;
  bool hash_secret = false;  // print the Argon2id hash of a secret read from stdin
};

// What rfneedled runs with, flags over the configuration's `daemon` section.
struct DaemonSettings {
  std::string generator_path;
  std::string actuator_path;
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;  // 0: any free port (tests, the demo)
  std::string data_dir = ".";
  std::optional<std::string> sim_control;
  std::optional<std::string> frontend_dir;
};

struct OptionsError {
  std::string message;  // names the flag and what is wrong with it
};

// `args` without the program name.
[[nodiscard]] std::variant<DaemonOptions, OptionsError> parse_daemon_options(
    const std::vector<std::string>& args);

// `from_file` is the configuration's `daemon` section, already read; a setting missing
// from both is an error naming the flag and the field.
[[nodiscard]] std::variant<DaemonSettings, OptionsError> resolve_settings(
    const DaemonOptions& flags, const DaemonOptions& from_file, const std::string& config_path);

[[nodiscard]] std::string daemon_usage();

}  // namespace rfneedle::daemon
