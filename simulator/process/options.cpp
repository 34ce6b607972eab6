#include "simulator/process/options.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

namespace rfneedle::sim {
namespace {

// Highest baud the simulated line paces at; real USB adapters top out well below.
constexpr std::uint64_t kMaxBaud = 12'000'000;
// A stamping operator presses at most a few times a second; the device's own minimum
// inter-pulse interval is 250 ms, so 10 Hz already exceeds what it accepts.
constexpr double kMaxAutoTriggerHz = 10.0;

std::optional<std::uint64_t> whole_number(const std::string& text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> number(const std::string& text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string sim_usage() {
  return R"(usage: rfneedle-sim --generator-link PATH --actuator-link PATH [options]

Serves the RF generator board and the needle actuator board (with the handpiece) on
pseudo-terminals, published as symlinks at the given paths.

options:
  --generator-link PATH   symlink to create for the generator board's serial line
  --actuator-link PATH    symlink to create for the actuator board's serial line
  --control PATH          Unix socket for control requests (faults, trigger, status)
  --scenario FILE         run a scenario file (text format, see docs/simulator.md)
  --seed N                seed of every random process (default 1)
  --baud N                line rate the output is paced at (default 921600)
  --auto-trigger HZ       press the trigger HZ times a second, like an operator
                          stamping across a face (0 < HZ <= 10)
  --list-faults           print the faults that can be injected, and exit
  --help                  print this help, and exit
)";
}

std::variant<SimOptions, OptionsError> parse_sim_options(const std::vector<std::string>& args) {
  SimOptions options;
  using Setter = std::function<std::optional<std::string>(const std::string&)>;
  const std::map<std::string, Setter> with_value = {
      {"--generator-link",
       [&](const std::string& v) -> std::optional<std::string> {
         options.generator_link = v;
         return std::nullopt;
       }},
      {"--actuator-link",
       [&](const std::string& v) -> std::optional<std::string> {
         options.actuator_link = v;
         return std::nullopt;
       }},
      {"--control",
       [&](const std::string& v) -> std::optional<std::string> {
         options.control_path = v;
         return std::nullopt;
       }},
      {"--scenario",
       [&](const std::string& v) -> std::optional<std::string> {
         options.scenario_path = v;
         return std::nullopt;
       }},
      {"--seed",
       [&](const std::string& v) -> std::optional<std::string> {
         auto n = whole_number(v);
         if (!n) {
           return "'" + v + "' is not a whole number";
         }
         options.seed = *n;
         return std::nullopt;
       }},
      {"--baud",
       [&](const std::string& v) -> std::optional<std::string> {
         auto n = whole_number(v);
         if (!n || *n < 300 || *n > kMaxBaud) {
           return "'" + v + "' is not a baud rate from 300 to " + std::to_string(kMaxBaud);
         }
         options.baud = static_cast<std::uint32_t>(*n);
         return std::nullopt;
       }},
      {"--auto-trigger",
       [&](const std::string& v) -> std::optional<std::string> {
         auto hz = number(v);
         if (!hz || *hz <= 0 || *hz > kMaxAutoTriggerHz) {
           return "'" + v + "' is not a rate above 0 and at most 10 Hz";
         }
         options.auto_trigger_hz = *hz;
         return std::nullopt;
       }},
  };

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--list-faults" || flag == "--help" || flag == "-h") {
      if (value) {
        return OptionsError{flag + " takes no value"};
      }
      (flag == "--list-faults" ? options.list_faults : options.help) = true;
      continue;
    }
    auto setter = with_value.find(flag);
    if (setter == with_value.end()) {
      return OptionsError{"unknown option '" + args[i] + "' (see --help)"};
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return OptionsError{flag + " needs a value"};
      }
      value = args[++i];
    }
    if (auto error = setter->second(*value)) {
      return OptionsError{flag + ": " + *error};
    }
  }
  if (options.help || options.list_faults) {
    return options;
  }
  if (options.generator_link.empty()) {
    return OptionsError{"--generator-link is required"};
  }
  if (options.actuator_link.empty()) {
    return OptionsError{"--actuator-link is required"};
  }
  if (options.generator_link == options.actuator_link) {
    return OptionsError{"--generator-link and --actuator-link must be different paths"};
  }
  return options;
}

}  // namespace rfneedle::sim
