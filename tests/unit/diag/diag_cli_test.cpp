// rfneedle-diag's command line: what each command line chooses and what it refuses.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "tools/diag/cli.h"

namespace rfneedle::diag {
namespace {

struct Parsed {
  Options options;
  std::string command;
  std::string error;  // the parse error, "" if none
};

Parsed parse(std::vector<std::string> args) {
  Parsed p;
  auto app = build_cli(p.options);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app->parse(args);
    p.command = chosen_command(*app);
  } catch (const CLI::ParseError& e) {
    p.error = e.what();
  }
  return p;
}

TEST(DiagCli, ChoosesTheCommandByItsPath) {
  EXPECT_EQ(parse({"status"}).command, "status");
  EXPECT_EQ(parse({"faults"}).command, "faults");
  EXPECT_EQ(parse({"faults", "ack"}).command, "faults ack");
  EXPECT_EQ(parse({"faults", "reset", "--reason", "x"}).command, "faults reset");
  EXPECT_EQ(parse({"sim", "faults", "inject", "estop"}).command, "sim faults inject");
  EXPECT_EQ(parse({"calibrate", "rf"}).command, "calibrate rf");
}

TEST(DiagCli, GlobalOptionsGoBeforeOrAfterTheCommand) {
  auto p = parse({"--json", "status"});
  EXPECT_TRUE(p.options.json);
  p = parse({"status", "--json", "--url", "http://127.0.0.1:9"});
  EXPECT_EQ(p.error, "");
  EXPECT_TRUE(p.options.json);
  EXPECT_EQ(p.options.url, "http://127.0.0.1:9");
  EXPECT_EQ(parse({"status"}).options.url, "http://127.0.0.1:8080");
}

TEST(DiagCli, ReadsEachCommandsOptions) {
  auto p = parse({"events", "-f", "--since", "-10min", "--severity", "WARNING_HIGH", "-o", "json"});
  ASSERT_EQ(p.error, "");
  EXPECT_TRUE(p.options.follow);
  EXPECT_EQ(p.options.since, "-10min");
  EXPECT_EQ(p.options.output, "json");
  p = parse({"sim", "faults", "inject", "skin-heating", "--for", "500", "target=47", "rate=2"});
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.fault, "skin-heating");
  EXPECT_EQ(p.options.for_ms, 500u);
  EXPECT_EQ(p.options.parameters, (std::vector<std::string>{"target=47", "rate=2"}));
  p = parse({"watch", "--fields", "power,impedance"});
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.fields, (std::vector<std::string>{"power", "impedance"}));
  p = parse({"calibrate", "rf", "--loads", "0,3", "--powers", "5000"});
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.loads, (std::vector<std::uint32_t>{0, 3}));
  EXPECT_EQ(p.options.powers_mw, (std::vector<std::int32_t>{5000}));
  p = parse({"sessions", "export", "17", "--format", "fhir", "-o", "out.json"});
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.session_id, 17u);
  EXPECT_EQ(p.options.format, "fhir");
  EXPECT_EQ(p.options.output_file, "out.json");
}

TEST(DiagCli, RefusesBadCommandLines) {
  EXPECT_NE(parse({}).error, "");              // no command
  EXPECT_NE(parse({"frobnicate"}).error, "");  // no such command
  EXPECT_NE(parse({"faults", "reset"}).error.find("--reason"), std::string::npos);
  EXPECT_NE(parse({"events", "-o", "xml"}).error, "");
  EXPECT_NE(parse({"login", "--role", "root"}).error, "");
  EXPECT_NE(parse({"sessions", "export", "1", "--format", "pdf", "-o", "x"}).error, "");
  EXPECT_NE(parse({"watch", "--fields", "colour"}).error, "");
  EXPECT_NE(parse({"calibrate", "rf", "--loads", "9"}).error, "");
  EXPECT_NE(parse({"calibrate", "rf", "--powers", "60000"}).error, "");
  EXPECT_NE(parse({"config"}).error, "");  // needs `show`
}

TEST(DiagCli, HelpListsTheExitCodes) {
  Options o;
  auto app = build_cli(o);
  const std::string help = app->help();
  EXPECT_NE(help.find("0 ok, 1 check failed, 2 usage, 3 not authorised, 4 controller unreachable"),
            std::string::npos);
  EXPECT_NE(help.find("5 refused by the controller"), std::string::npos);
}

}  // namespace
}  // namespace rfneedle::diag
