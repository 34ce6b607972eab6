#include "controller/daemon/daemon_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace rfneedle::daemon {
namespace {

// "127.0.0.1:8080" -> {"127.0.0.1", 8080}; "[::1]:9" -> {"::1", 9}; or an error.
std::optional<std::string> split_address(const std::string& text, std::string& host,
                                         std::uint16_t& port_out) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    return "'" + text + "' is not ADDRESS:PORT";
  }
  host = text.substr(0, colon);
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
  port_out = static_cast<std::uint16_t>(port);
  return std::nullopt;
}

// "127.0.0.1:8080", "[::1]:8080" or "localhost:8080": loopback only (DESIGN 6; a clinic
// reads metrics through a separate listener).
std::optional<std::string> parse_listen(const std::string& text, DaemonSettings& options) {
  std::string host;
  std::uint16_t port = 0;
  if (std::optional<std::string> error = split_address(text, host, port)) {
    return error;
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
  options.listen_port = port;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_metrics_listen(const std::string& text,
                                                DaemonSettings& settings) {
  std::string host;
  std::uint16_t port = 0;
  if (std::optional<std::string> error = split_address(text, host, port)) {
    return error;
  }
  boost::system::error_code error;
  (void)boost::asio::ip::make_address(host, error);
  if (error) {
    return "'" + host + "' is not a numeric IP address";
  }
  settings.metrics_address = host;
  settings.metrics_port = port;
  return std::nullopt;
}

std::string daemon_usage() {
  return R"(usage: rfneedled --config FILE [--generator PATH --actuator PATH] [options]
       rfneedled --hash-secret < secret
       rfneedled --provision --config FILE [--secrets FILE] < secrets

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
  --metrics-listen ADDR:PORT  a second socket that serves only GET /metrics, for a
                       clinic's Prometheus on another machine (any numeric address)
  --hash-secret        print the Argon2id hash of a PIN or key read from standard
                       input, for the configuration's accounts, and exit
  --provision          set the service key and the first operator of a treatment
                       device, read as three lines (service key, operator user name,
                       PIN) from standard input or --secrets FILE, and exit; run it as
                       the user rfneedled runs as
  --secrets FILE       with --provision: read the three lines from FILE

service commands (the store is the one --config names; --data-dir overrides it; each exits):
  --backup FILE        copy the store to FILE with SQLite's online backup, also while
                       rfneedled runs
  --restore FILE       check FILE (quick_check, schema version) and make it the store;
                       refused while rfneedled runs on the data directory
  --session-open-check exit 0 when no treatment session is open, 1 when one is (an
                       upgrade waits), 3 when the store cannot be read
  --help               print this help, and exit

Every option but --config may also be set in the configuration's `daemon` section
(generator, actuator, listen, data_dir, sim_control, frontend, metrics_listen); the flag
wins.
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
  std::string generator, actuator, listen, data_dir, sim_control, frontend, secrets;
  app.add_option("--config", options.config_path)->required();
  app.add_flag("--provision", options.provision);
  app.add_option("--secrets", secrets);
  app.add_option("--generator", generator);
  app.add_option("--actuator", actuator);
  app.add_option("--listen", listen);
  app.add_option("--data-dir", data_dir);
  app.add_option("--sim-control", sim_control);
  app.add_option("--frontend", frontend);
  std::string metrics_listen, backup, restore;
  app.add_option("--metrics-listen", metrics_listen);
  app.add_option("--backup", backup);
  app.add_option("--restore", restore);
  app.add_flag("--session-open-check", options.session_open_check);
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
        std::pair{&frontend, &options.frontend_dir},
        std::pair{&metrics_listen, &options.metrics_listen},
        std::pair{&backup, &options.backup_file}, std::pair{&restore, &options.restore_file}}) {
    if (!value->empty()) {
      *target = *value;
    }
  }
  if (!secrets.empty()) {
    if (!options.provision) {
      return OptionsError{"--secrets is read only with --provision"};
    }
    options.secrets_path = secrets;
  }
  if (static_cast<int>(options.backup_file.has_value()) +
          static_cast<int>(options.restore_file.has_value()) +
          static_cast<int>(options.session_open_check) >
      1) {
    return OptionsError{"--backup, --restore and --session-open-check: one at a time"};
  }
  if (options.metrics_listen) {
    DaemonSettings probe;
    if (std::optional<std::string> error = parse_metrics_listen(*options.metrics_listen, probe)) {
      return OptionsError{"--metrics-listen: " + *error};
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
  if (const std::optional<std::string> metrics = pick(&DaemonOptions::metrics_listen)) {
    if (std::optional<std::string> error = parse_metrics_listen(*metrics, s)) {
      return OptionsError{(flags.metrics_listen ? "--metrics-listen: "
                                                : "daemon.metrics_listen in " + config_path + ": ") +
                          *error};
    }
  }
  s.sim_control = pick(&DaemonOptions::sim_control);
  s.frontend_dir = pick(&DaemonOptions::frontend_dir);
  return s;
}

}  // namespace rfneedle::daemon
