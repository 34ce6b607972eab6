#include "simulator/process/options.h"

#include <gtest/gtest.h>

namespace rfneedle::sim {
namespace {

SimOptions parsed(const std::vector<std::string>& args) {
  auto result = parse_sim_options(args);
  if (auto* error = std::get_if<OptionsError>(&result)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<SimOptions>(result);
}

std::string error_of(const std::vector<std::string>& args) {
  auto result = parse_sim_options(args);
  if (auto* error = std::get_if<OptionsError>(&result)) {
    return error->message;
  }
  return "(accepted)";
}

TEST(SimOptions, ReadsEveryFlagInBothSpellings) {
  SimOptions o =
      parsed({"--generator-link", "/tmp/g", "--actuator-link=/tmp/a", "--seed=42", "--baud",
              "115200", "--control", "/tmp/c.sock", "--scenario=s.txt", "--auto-trigger", "2.5"});
  EXPECT_EQ(o.generator_link, "/tmp/g");
  EXPECT_EQ(o.actuator_link, "/tmp/a");
  EXPECT_EQ(o.seed, 42U);
  EXPECT_EQ(o.baud, 115200U);
  EXPECT_EQ(o.control_path, "/tmp/c.sock");
  EXPECT_EQ(o.scenario_path, "s.txt");
  EXPECT_DOUBLE_EQ(o.auto_trigger_hz, 2.5);
}

TEST(SimOptions, DefaultsTo921600BaudSeedOneAndNoAutoTrigger) {
  SimOptions o = parsed({"--generator-link", "g", "--actuator-link", "a"});
  EXPECT_EQ(o.baud, 921600U);
  EXPECT_EQ(o.seed, 1U);
  EXPECT_EQ(o.auto_trigger_hz, 0);
  EXPECT_FALSE(o.control_path.has_value());
}

TEST(SimOptions, ListFaultsAndHelpNeedNoLinks) {
  EXPECT_TRUE(parsed({"--list-faults"}).list_faults);
  EXPECT_TRUE(parsed({"--help"}).help);
}

TEST(SimOptions, NamesTheFlagAndTheProblemInEveryError) {
  EXPECT_EQ(error_of({"--actuator-link", "a"}), "--generator-link is required");
  EXPECT_EQ(error_of({"--generator-link", "g"}), "--actuator-link is required");
  EXPECT_EQ(error_of({"--generator-link", "x", "--actuator-link", "x"}),
            "--generator-link and --actuator-link must be different paths");
  EXPECT_EQ(error_of({"--seed", "abc"}), "--seed: 'abc' is not a whole number");
  EXPECT_EQ(error_of({"--seed", "-1"}), "--seed: '-1' is not a whole number");
  EXPECT_EQ(error_of({"--baud", "12"}), "--baud: '12' is not a baud rate from 300 to 12000000");
  EXPECT_EQ(error_of({"--auto-trigger", "0"}),
            "--auto-trigger: '0' is not a rate above 0 and at most 10 Hz");
  EXPECT_EQ(error_of({"--auto-trigger", "11"}),
            "--auto-trigger: '11' is not a rate above 0 and at most 10 Hz");
  EXPECT_EQ(error_of({"--auto-trigger", "nan"}),
            "--auto-trigger: 'nan' is not a rate above 0 and at most 10 Hz");
  EXPECT_EQ(error_of({"--control"}), "--control needs a value");
  EXPECT_EQ(error_of({"--frobnicate"}), "unknown option '--frobnicate' (see --help)");
  EXPECT_EQ(error_of({"--list-faults=yes"}), "--list-faults takes no value");
}

}  // namespace
}  // namespace rfneedle::sim
