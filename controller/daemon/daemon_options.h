// rfneedled's command line (issue 9). Parsing is separate from the process so every bad
// flag gets a tested, precise error naming it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rfneedle::daemon {

struct DaemonOptions {
  std::string config_path;     // text-format config.proto (DeviceConfig)
  std::string generator_path;  // the generator board's serial device (or pty symlink)
  std::string actuator_path;   // the actuator board's serial device
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;         // 0: any free port (tests, the demo)
  std::string data_dir = ".";               // the store lives here
  std::optional<std::string> sim_control;   // rfneedle-sim's control socket (SR-77)
  std::optional<std::string> frontend_dir;  // files served at /
  bool help = false;
};

struct OptionsError {
  std::string message;  // names the flag and what is wrong with it
};

// `args` without the program name.
[[nodiscard]] std::variant<DaemonOptions, OptionsError> parse_daemon_options(
    const std::vector<std::string>& args);

[[nodiscard]] std::string daemon_usage();

}  // namespace rfneedle::daemon
