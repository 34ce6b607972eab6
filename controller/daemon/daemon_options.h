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
  // Set the service key and the first operator, read from `secrets_path` or stdin (never
  // from the command line), then exit (provisioning.h).
  bool provision = false;
  std::optional<std::string> secrets_path;
  // --- issue 14: metrics, backup and upgrade ---
  std::optional<std::string> metrics_listen;  // ADDRESS:PORT serving only GET /metrics
  std::optional<std::string> backup_file;     // --backup FILE: copy the store and exit
  std::optional<std::string> restore_file;    // --restore FILE: replace the store and exit
  bool session_open_check = false;            // exit 0 when no session is open (upgrades)
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
  // --metrics-listen: any numeric address (the only listener that may be non-loopback).
  std::optional<std::string> metrics_address;
  std::uint16_t metrics_port = 0;
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

// "ADDRESS:PORT" for --metrics-listen: any numeric IPv4 or bracketed IPv6 address (the
// metrics-only socket is the one listener allowed off loopback), or an error naming what is
// wrong.
[[nodiscard]] std::optional<std::string> parse_metrics_listen(const std::string& text,
                                                              DaemonSettings& settings);

}  // namespace rfneedle::daemon
