// rfneedle-diag's command line (CLI11): every command, its options and its help, in one
// place, so main() and the completion script's test see the same tree.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace rfneedle::diag {

struct Options {
  // Every command.
  std::string url;  // --url, RFNEEDLE_URL
  bool json = false;
  bool yes = false;
  std::string command;  // the chosen command's path: "faults reset", "sim faults inject"

  // login / logout
  std::string role = "service";
  std::string user;
  std::string secret_file;
  std::string logout_role;  // logout --role: empty ends every cached log-in
  // events
  bool follow = false;
  std::string since;
  std::string until;
  std::string severity;
  std::string output = "short-iso";
  std::uint32_t lines = 0;  // -n: the latest N only
  // faults reset
  std::string reason;
  // sessions
  std::uint32_t limit = 20;
  std::uint64_t session_id = 0;
  std::string format;
  std::string output_file;
  // operators
  std::string operator_user;
  std::string pin_file;
  // sim faults
  std::string fault;
  std::optional<std::uint32_t> for_ms;
  std::vector<std::string> parameters;
  // watch
  std::vector<std::string> fields;
  std::uint64_t count = 0;  // 0: until interrupted
  // calibrate rf
  std::vector<std::uint32_t> loads{0, 1, 2, 3};
  std::vector<std::int32_t> powers_mw{5000, 10000, 20000};
  std::int32_t duration_ms = 100;
  bool stay_in_service = false;
};

// The telemetry fields `watch --fields` knows, in display order.
[[nodiscard]] const std::vector<std::string>& watch_field_names();

// Builds the command tree over `options` (which must outlive the app). After a successful
// parse, options.command names the chosen command.
[[nodiscard]] std::unique_ptr<CLI::App> build_cli(Options& options);

// Every subcommand path of the tree ({"faults", "faults ack", ...}) and, for each path and
// the top level (""), the long and short options given there ({"--json", "-f", ...}): what
// the completion script must offer.
struct CliWords {
  std::vector<std::string> commands;
  std::map<std::string, std::vector<std::string>> flags;
};
[[nodiscard]] CliWords cli_words(const CLI::App& app);

}  // namespace rfneedle::diag

namespace rfneedle::diag {
// The chosen command's path after a parse ("faults reset"); "" when none.
[[nodiscard]] std::string chosen_command(const CLI::App& app);
}  // namespace rfneedle::diag
