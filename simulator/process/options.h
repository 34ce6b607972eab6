// rfneedle-sim's command line. Parsing is separate from the process so every bad flag
// gets a tested, precise error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rfneedle::sim {

struct SimOptions {
  std::string generator_link;  // symlink to the generator board's pseudo-terminal
  std::string actuator_link;   // symlink to the actuator board's pseudo-terminal
  std::optional<std::string> control_path;
  std::optional<std::string> scenario_path;
  std::uint64_t seed = 1;
  std::uint32_t baud = 921600;
  double auto_trigger_hz = 0;  // 0: off
  bool list_faults = false;
  bool help = false;
};

struct OptionsError {
  std::string message;  // names the flag and what is wrong with it
};

[[nodiscard]] std::variant<SimOptions, OptionsError> parse_sim_options(
    const std::vector<std::string>& args);

[[nodiscard]] std::string sim_usage();

}  // namespace rfneedle::sim
