#include "tools/diag/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "tools/diag/diag_exit.h"
#include "tools/diag/diag_url.h"

namespace rfneedle::diag {
namespace {

void add_login_options(CLI::App& sub, Options& o) {
  sub.add_option("--role", o.role, "log in as: service (the service key) or operator (a PIN)")
      ->check(CLI::IsMember({"service", "operator"}))
      ->capture_default_str();
  sub.add_option("--user", o.user, "the operator's user name (operator role)");
  sub.add_option("--secret-file", o.secret_file,
                 "read the key or PIN from this file's first line instead of a prompt");
}

void add_events(CLI::App& app, Options& o) {
  CLI::App* events = app.add_subcommand("events", "the device's event log, like journalctl");
  events->add_flag("-f,--follow", o.follow,
                   "keep printing new events as they are stored; resumes by event ID after a "
                   "lost connection or a restart of rfneedled");
  events->add_option("--since", o.since,
                     "from this time: ISO-8601 (2026-01-01T08:30:00Z) or -10min");
  events->add_option("--until", o.until, "up to this time: ISO-8601 or -10min");
  events
      ->add_option("--severity", o.severity,
                   "this severity and above: diagnostic, activity_low, activity_high, command, "
                   "warning_low, warning_high, fatal")
      ->check(CLI::IsMember({"diagnostic", "activity_low", "activity_high", "command",
                             "warning_low", "warning_high", "fatal"},
                            CLI::ignore_case));
  events
      ->add_option("-o,--output", o.output, "short-iso (one line each) or json (one object a line)")
      ->check(CLI::IsMember({"short-iso", "json"}))
      ->capture_default_str();
  events->add_option("-n,--lines", o.lines, "only the latest N events (then follow, with -f)");
  events->footer(
      "With -f, a lost connection is reconnected (waiting 0.2 s, doubling up to 2 s). A restart "
      "of rfneedled ends every token: with --secret-file (and --role, --user) events -f logs in "
      "again by itself; without it, it exits 3 (log in again with rfneedle-diag login).");
  add_login_options(*events, o);
}

void add_faults(CLI::App& app, Options& o) {
  CLI::App* faults = app.add_subcommand(
      "faults", "active and latched faults, with their priority and clear policy");
  faults->add_subcommand("ack", "acknowledge latched faults whose cause is gone (operator log-in)");
  CLI::App* reset =
      faults->add_subcommand("reset", "reset a latch that needs a service reset (service log-in)");
  reset->add_option("--reason", o.reason, "why, recorded in the audit log (1..500 characters)")
      ->required();
}

void add_service(CLI::App& app, Options& o) {
  app.add_subcommand("selftest",
                     "run the self-test in Service: N/M checks passed (exit 1 if any failed)");
  app.add_subcommand(
      "counters", "lifetime pulses, RF time, use per cartridge, faults by condition; since start");
  app.add_subcommand("version",
                     "every software and firmware component, serial numbers, hashes, calibration");
  CLI::App* config = app.add_subcommand("config", "the configuration in force");
  config->require_subcommand(1);
  config->add_subcommand("show", "print the configuration (protobuf text format)");
  CLI::App* link = app.add_subcommand("link", "the serial links to the boards");
  link->require_subcommand(1);
  link->add_subcommand("stats", "frames, retransmissions and each error kind, per board");

  CLI::App* operators = app.add_subcommand("operators", "operator accounts (service log-in)");
  operators->require_subcommand(1);
  operators->add_subcommand("list", "every account");
  for (const char* verb : {"add", "reset"}) {
    CLI::App* sub = operators->add_subcommand(
        verb, std::string(verb) == "add" ? "create an account" : "set a new PIN (ends its tokens)");
    sub->add_option("user", o.operator_user, "the user name")->required();
    sub->add_option("--pin-file", o.pin_file, "read the PIN from this file instead of a prompt");
  }
  operators->add_subcommand("disable", "refuse the account's log-ins and end its tokens")
      ->add_option("user", o.operator_user, "the user name")
      ->required();
  operators->add_subcommand("enable", "let a disabled account log in again")
      ->add_option("user", o.operator_user, "the user name")
      ->required();

  CLI::App* audit = app.add_subcommand("audit", "the audit log");
  audit->require_subcommand(1);
  audit->add_subcommand("verify", "check the audit log's hash chain (exit 1 if broken)");

  CLI::App* sim = app.add_subcommand("sim", "the simulator (only when the boards are simulated)");
  sim->require_subcommand(1);
  CLI::App* faults = sim->add_subcommand("faults", "the simulator's fault injection");
  faults->require_subcommand(1);
  faults->add_subcommand("list",
                         "the simulator's fault catalogue: parameters with defaults, effects");
  CLI::App* inject = faults->add_subcommand("inject", "inject a fault now");
  inject->add_option("name", o.fault, "the fault's name (sim faults list)")->required();
  inject->add_option("--for", o.for_ms, "end it after MS milliseconds (default: until cleared)")
      ->check(CLI::Range(1u, 3'600'000u));
  inject->add_option("parameters", o.parameters, "PARAM=VALUE settings of the fault");
  CLI::App* clear = faults->add_subcommand("clear", "end an injected fault, or all of them");
  clear->add_option("name", o.fault, "the fault's name (default: all)");
}

void add_sessions(CLI::App& app, Options& o) {
  CLI::App* sessions = app.add_subcommand("sessions", "treatment sessions in the store");
  sessions->require_subcommand(1);
  sessions->add_subcommand("list", "the latest sessions, newest first")
      ->add_option("--limit", o.limit, "how many (1..1000)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  CLI::App* exp = sessions->add_subcommand("export", "a session's record for the clinic's records");
  exp->add_option("id", o.session_id, "the session's ID (sessions list)")->required();
  exp->add_option("--format", o.format, "csv, json or fhir (an HL7 FHIR R4 Bundle)")
      ->required()
      ->check(CLI::IsMember({"csv", "json", "fhir"}));
  exp->add_option("-o,--output", o.output_file, "the file to write (- for standard output)")
      ->required();
}

void add_watch_and_calibrate(CLI::App& app, Options& o) {
  CLI::App* watch =
      app.add_subcommand("watch", "live telemetry from the stream (about 30 a second)");
  std::string names;
  for (const auto& n : watch_field_names()) {
    names += (names.empty() ? "" : ", ") + n;
  }
  watch->add_option("--fields", o.fields, "the fields to show, comma-separated: " + names)
      ->delimiter(',')
      ->check(CLI::IsMember(watch_field_names()));
  watch->add_option("--count", o.count, "stop after N samples (default: until interrupted)");
  watch->footer(
      "A lost connection is reconnected (waiting 0.2 s, doubling up to 2 s). A restart of "
      "rfneedled ends every token: with --secret-file (and --role, --user) watch logs in again "
      "by itself; without it, it exits 3 (log in again with rfneedle-diag login).");
  add_login_options(*watch, o);

  CLI::App* calibrate = app.add_subcommand("calibrate", "calibration of the device's outputs");
  calibrate->require_subcommand(1);
  CLI::App* rf = calibrate->add_subcommand(
      "rf", "calibrate RF power against the calibration fixture's reference meter (Service)");
  rf->add_option("--loads", o.loads, "the fixture's reference loads to run, comma-separated (0..7)")
      ->delimiter(',')
      ->check(CLI::Range(0u, 7u))
      ->capture_default_str();
  rf->add_option("--powers", o.powers_mw, "the set-points in mW, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(1000, 50000))
      ->capture_default_str();
  rf->add_option("--duration", o.duration_ms, "each pulse's duration in ms")
      ->check(CLI::Range(10, 1000))
      ->capture_default_str();
  rf->add_flag("--stay-in-service", o.stay_in_service, "stay in Service afterwards");
}

}  // namespace

const std::vector<std::string>& watch_field_names() {
  static const std::vector<std::string> kNames{
      "power",  "voltage",  "current", "impedance", "energy",  "heatsink",  "skin_a",
      "skin_b", "position", "motor",   "rf",        "trigger", "cartridge", "estop"};
  return kNames;
}

std::unique_ptr<CLI::App> build_cli(Options& o) {
  auto app = std::make_unique<CLI::App>(
      "rfneedle-diag: the service engineer's command line for a running rfneedled, through "
      "its API only.",
      "rfneedle-diag");
  app->footer(
      std::string("\n") + kExitCodesHelp +
      "\nData goes to standard output, messages to standard error. See docs/operations.md.");
  app->fallthrough();
  app->require_subcommand(1);
  o.url = std::string(kDefaultUrl);
  app->add_option("--url", o.url, "the controller's API")
      ->envname("RFNEEDLE_URL")
      ->capture_default_str();
  app->add_flag("--json", o.json, "machine-readable output: the API's JSON, UTC RFC 3339 times");
  app->add_flag("-y,--yes", o.yes, "do not ask before changing the device");

  CLI::App* login = app->add_subcommand("login", "log in and keep the token in $XDG_RUNTIME_DIR");
  add_login_options(*login, o);
  CLI::App* logout = app->add_subcommand("logout", "end the cached tokens");
  logout->add_option("--role", o.logout_role, "end only this role's token: service or operator")
      ->check(CLI::IsMember({"service", "operator"}));
  app->add_subcommand("stop", "STOP: end any pulse, retract, disarm (no log-in, never asks)");
  app->add_subcommand("status", "state, interlocks, boards, cartridge and link on one screen");
  add_events(*app, o);
  add_faults(*app, o);
  add_service(*app, o);
  add_sessions(*app, o);
  add_watch_and_calibrate(*app, o);
  return app;
}

std::string chosen_command(const CLI::App& app) {
  std::string path;
  const CLI::App* current = &app;
  for (;;) {
    const auto used = current->get_subcommands();
    if (used.empty()) {
      return path;
    }
    current = used.front();
    path += (path.empty() ? "" : " ") + current->get_name();
  }
}

CliWords cli_words(const CLI::App& app) {
  CliWords words;
  const auto visit = [&](const auto& self, const CLI::App& node, const std::string& path) -> void {
    std::vector<std::string>& flags = words.flags[path];
    for (const CLI::Option* opt : node.get_options()) {
      for (const auto& n : opt->get_lnames()) flags.push_back("--" + n);
      for (const auto& n : opt->get_snames()) flags.push_back("-" + n);
    }
    std::sort(flags.begin(), flags.end());
    for (const CLI::App* sub : node.get_subcommands([](const CLI::App*) { return true; })) {
      const std::string sub_path = path.empty() ? sub->get_name() : path + " " + sub->get_name();
      words.commands.push_back(sub_path);
      self(self, *sub, sub_path);
    }
  };
  visit(visit, app, "");
  return words;
}

}  // namespace rfneedle::diag
