#include "controller/daemon/daemon_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace rfneedle::daemon {
namespace {

// "127.0.0.1:8080", "[::1]:8080" or "localhost:8080": loopback only (DESIGN 6; a clinic
// reads metrics through a separate listener).
std::optional<std::string> parse_listen(const std::string& text, DaemonOptions& options) {
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
  return R"(usage: rfneedled --config FILE --generator PATH --actuator PATH [options]

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
  --help               print this help, and exit
)";
}

std::variant<DaemonOptions, OptionsError> parse_daemon_options(
    const std::vector<std::string>& args) {
  DaemonOptions options;
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    options.help = true;
    return options;
  }
  CLI::App app{"rfneedled"};
  std::string listen;
  std::string sim_control;
  std::string frontend;
  app.add_option("--config", options.config_path)->required();
  app.add_option("--generator", options.generator_path)->required();
  app.add_option("--actuator", options.actuator_path)->required();
  app.add_option("--listen", listen);
  app.add_option("--data-dir", options.data_dir);
  app.add_option("--sim-control", sim_control);
  app.add_option("--frontend", frontend);
  // CLI11 reads a vector from its back.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return OptionsError{e.what()};
  }
  if (!listen.empty()) {
    if (std::optional<std::string> error = parse_listen(listen, options)) {
      return OptionsError{"--listen: " + *error};
    }
  }
  for (const auto& [flag, value] : {std::pair{"--config", &options.config_path},
                                    std::pair{"--generator", &options.generator_path},
                                    std::pair{"--actuator", &options.actuator_path},
                                    std::pair{"--data-dir", &options.data_dir}}) {
    if (value->empty()) {
      return OptionsError{std::string(flag) + ": an empty path"};
    }
  }
  if (!sim_control.empty()) {
    options.sim_control = sim_control;
  }
  if (!frontend.empty()) {
    options.frontend_dir = frontend;
  }
  return options;
}

}  // namespace rfneedle::daemon
