#include "controller/daemon/daemon_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace rfneedle::daemon {
namespace {

// "127.0.0.1:8080", "[::1]:8080" or "localhost:8080": loopback only (DESIGN 6; a clinic
// reads metrics through a separate listener).
std::optional<std::string> parse_listen(const std::string& text, DaemonSettings& options) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    return "'" + text + "' is not ADDRESS:PORT";
  }
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65'535) {
    return "'" + port_text + "' is not a port from 0 to 65535";
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") {
    host = "127.0.0.1";
  }
  boost::system::error_code error;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, error);
  if (error) {
    return "'" + host + "' is not an IP address";
  }
  if (!address.is_loopback()) {
    return "'" + host + "' is not a loopback address: the API listens on this device only";
  }
  options.listen_address = host;
  options.listen_port = static_cast<std::uint16_t>(port);
  return std::nullopt;
}

}  // namespace

std::string daemon_usage() {
  return R"(usage: rfneedled --config FILE [--generator PATH --actuator PATH] [options]
       rfneedled --hash-secret < secret

The rfneedle controller: runs the treatment state machine against the RF generator and
the needle actuator boards, serves the touchscreen and the API, keeps every record.

options:
  --config FILE        device configuration (text-format config.proto)
  --generator PATH     the generator board's serial device (e.g. /dev/serial/by-id/...)
  --actuator PATH      the actuator board's serial device
  --listen ADDR:PORT   API address, loopback only (default 127.0.0.1:8080; port 0: any)
  --data-dir DIR       where the store lives (default: the working directory)
  --sim-control PATH   rfneedle-sim's control socket, for fault injection (simulated
                       boards only)
  --frontend DIR       the touchscreen's files, served at /
  --hash-secret        print the Argon2id hash of a PIN or key read from standard
                       input, for the configuration's accounts, and exit
  --help               print this help, and exit

Every option but --config may also be set in the configuration's `daemon` section
(generator, actuator, listen, data_dir, sim_control, frontend); the flag wins.
)";
}

std::variant<DaemonOptions, OptionsError> parse_daemon_options(
    const std::vector<std::string>& args) {
  DaemonOptions options;
  const auto has = [&](const char* flag) {
    return std::find(args.begin(), args.end(), flag) != args.end();
  };
  if (has("--help") || has("-h")) {
    options.help = true;
    return options;
  }
  if (has("--hash-secret")) {
    if (args.size() != 1) {
      return OptionsError{"--hash-secret takes no other option"};
    }
    options.hash_secret = true;
    return options;
  }
  CLI::App app{"rfneedled"};
  std::string generator, actuator, listen, data_dir, sim_control, frontend;
  app.add_option("--config", options.config_path)->required();
  app.add_option("--generator", generator);
  app.add_option("--actuator", actuator);
  app.add_option("--listen", listen);
  app.add_option("--data-dir", data_dir);
  app.add_option("--sim-control", sim_control);
  app.add_option("--frontend", frontend);
  // CLI11 reads a vector from its back.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return OptionsError{e.what()};
  }
  if (options.config_path.empty()) {
    return OptionsError{"--config: an empty path"};
  }
  for (const auto& [value, target] :
       {std::pair{&generator, &options.generator_path},
        std::pair{&actuator, &options.actuator_path}, std::pair{&listen, &options.listen},
        std::pair{&data_dir, &options.data_dir}, std::pair{&sim_control, &options.sim_control},
        std::pair{&frontend, &options.frontend_dir}}) {
    if (!value->empty()) {
      *target = *value;
    }
  }
  if (options.listen) {
    DaemonSettings probe;
    if (std::optional<std::string> error = parse_listen(*options.listen, probe)) {
      return OptionsError{"--listen: " + *error};
    }
  }
  return options;
}

std::variant<DaemonSettings, OptionsError> resolve_settings(const DaemonOptions& flags,
                                                            const DaemonOptions& from_file,
                                                            const std::string& config_path) {
  const auto pick = [&](const std::optional<std::string> DaemonOptions::*field) {
    return flags.*field ? flags.*field : from_file.*field;
  };
  DaemonSettings s;
  const struct {
    const char* flag;
    const char* field;
    std::optional<std::string> DaemonOptions::*member;
    std::string* target;
  } required[] = {
      {"--generator", "daemon.generator", &DaemonOptions::generator_path, &s.generator_path},
      {"--actuator", "daemon.actuator", &DaemonOptions::actuator_path, &s.actuator_path},
  };
  for (const auto& r : required) {
    const std::optional<std::string> value = pick(r.member);
    if (!value || value->empty()) {
      return OptionsError{std::string(r.flag) + ": not given, neither on the command line nor as " +
                          r.field + " in " + config_path};
    }
    *r.target = *value;
  }
  if (const std::optional<std::string> listen = pick(&DaemonOptions::listen)) {
    if (std::optional<std::string> error = parse_listen(*listen, s)) {
      return OptionsError{(flags.listen ? "--listen: " : "daemon.listen in " + config_path + ": ") +
                          *error};
    }
  }
  if (const std::optional<std::string> dir = pick(&DaemonOptions::data_dir)) {
    s.data_dir = *dir;
  }
  s.sim_control = pick(&DaemonOptions::sim_control);
  s.frontend_dir = pick(&DaemonOptions::frontend_dir);
  return s;
}

}  // namespace rfneedle::daemon
