// rfneedle-diag: the service engineer's command line (DESIGN 7, docs/operations.md).
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "tools/diag/cli.h"
#include "tools/diag/command_context.h"

namespace {

using rfneedle::diag::Command;
using rfneedle::diag::Exit;

const std::map<std::string, Command>& commands() {
  using namespace rfneedle::diag;
  static const std::map<std::string, Command> kCommands{
      {"login", run_login},
      {"logout", run_logout},
      {"stop", run_stop},
      {"status", run_status},
      {"faults", run_faults},
      {"faults ack", run_faults_ack},
      {"faults reset", run_faults_reset},
      {"events", run_events},
      {"selftest", run_selftest},
      {"counters", run_counters},
      {"version", run_version},
      {"config show", run_config_show},
      {"link stats", run_link_stats},
      {"operators list", run_operators},
      {"operators add", run_operators},
      {"operators reset", run_operators},
      {"operators disable", run_operators},
      {"operators enable", run_operators},
      {"audit verify", run_audit_verify},
      {"sessions list", run_sessions_list},
      {"sessions export", run_sessions_export},
      {"sim faults list", run_sim_faults},
      {"sim faults inject", run_sim_faults},
      {"sim faults clear", run_sim_faults},
      {"watch", run_watch},
      {"calibrate rf", run_calibrate_rf},
  };
  return kCommands;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rfneedle::diag;
  Options options;
  const auto app = build_cli(options);
  try {
    app->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int shown = app->exit(e);
    return shown == 0 ? 0 : static_cast<int>(Exit::kUsage);
  }
  options.command = chosen_command(*app);
  const auto url = parse_url(options.url);
  if (!url) {
    std::cerr << "rfneedle-diag: " << url.error << '\n';
    return static_cast<int>(Exit::kUsage);
  }
  const auto found = commands().find(options.command);
  if (found == commands().end()) {
    std::cerr << "rfneedle-diag: '" << options.command << "' needs a subcommand (--help)\n";
    return static_cast<int>(Exit::kUsage);
  }
  try {
    Context context(options, *url.value);
    return static_cast<int>(found->second(context));
  } catch (const Failure& failure) {
    std::cerr << "rfneedle-diag: " << failure.what() << '\n';
    return static_cast<int>(failure.code());
  }
}
