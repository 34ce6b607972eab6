#include "simulator/process/sim_command.h"

#include <gtest/gtest.h>

namespace rfneedle::sim {
namespace {

SimCommand ok(std::string_view line) {
  auto result = parse_sim_command(line);
  if (auto* error = std::get_if<CommandError>(&result)) {
    ADD_FAILURE() << line << ": " << error->message;
    return Status{};
  }
  return std::get<SimCommand>(result);
}

std::string error_of(std::string_view line) {
  auto result = parse_sim_command(line);
  if (auto* error = std::get_if<CommandError>(&result)) {
    return error->message;
  }
  return "(accepted)";
}

TEST(SimCommand, ParsesDurationsInMicrosecondsMillisecondsAndSeconds) {
  EXPECT_EQ(parse_duration("250us"), microseconds(250));
  EXPECT_EQ(parse_duration("200ms"), milliseconds(200));
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_FALSE(parse_duration("200").has_value());
  EXPECT_FALSE(parse_duration("ms").has_value());
  EXPECT_FALSE(parse_duration("2h").has_value());
  EXPECT_FALSE(parse_duration("1.2.3s").has_value());
}

TEST(SimCommand, InjectTakesADurationAndTheFaultsOwnParameters) {
  auto command = ok("inject skin-heating for=4s target=44 rate=1.5");
  auto& inject = std::get<InjectFault>(command);
  EXPECT_EQ(inject.parameters.kind(), FaultKind::kSkinHeating);
  EXPECT_EQ(inject.duration, seconds(4));
  EXPECT_DOUBLE_EQ(inject.parameters.get("target"), 44);
  EXPECT_DOUBLE_EQ(inject.parameters.get("rate"), 1.5);
}

TEST(SimCommand, InjectWithoutADurationLastsUntilCleared) {
  auto inject = std::get<InjectFault>(ok("inject impedance-open"));
  EXPECT_FALSE(inject.duration.has_value());
}

TEST(SimCommand, ParsesTheOperatorActions) {
  EXPECT_EQ(std::get<Trigger>(ok("trigger tap")).action, TriggerAction::kTap);
  EXPECT_EQ(std::get<Trigger>(ok("  trigger   press ")).action, TriggerAction::kPress);
  EXPECT_TRUE(std::get<Estop>(ok("estop press")).pressed);
  EXPECT_FALSE(std::get<Estop>(ok("estop release")).pressed);
  EXPECT_EQ(std::get<Cartridge>(ok("cartridge remove")).action, CartridgeAction::kRemove);
  EXPECT_EQ(std::get<Cartridge>(ok("cartridge fixture")).action, CartridgeAction::kFixture);
  EXPECT_FALSE(std::get<Cartridge>(ok("cartridge fixture")).meter_due);
  const auto overdue = std::get<Cartridge>(ok("cartridge fixture meter_due=2020-02-29"));
  EXPECT_EQ(overdue.action, CartridgeAction::kFixture);
  EXPECT_EQ(overdue.meter_due,
            std::chrono::sys_days{std::chrono::year{2020} / 2 / 29});
  EXPECT_EQ(error_of("cartridge fixture meter_due=2021-02-29"),
            "meter_due='2021-02-29' is not a date (YYYY-MM-DD)");
  EXPECT_EQ(error_of("cartridge fixture due=2021-02-01"),
            "cartridge fixture takes meter_due=YYYY-MM-DD");
  EXPECT_FALSE(std::get<ClearFault>(ok("clear all")).kind.has_value());
  EXPECT_EQ(std::get<ClearFault>(ok("clear motor-stall")).kind, FaultKind::kMotorStall);
  EXPECT_TRUE(std::holds_alternative<ListFaults>(ok("faults")));
  EXPECT_TRUE(std::holds_alternative<Status>(ok("status")));
}

TEST(SimCommand, UnplugTakesABoardAndOptionallyHowLongPlugTakesABoard) {
  const Cable pulled = std::get<Cable>(ok("unplug generator for=300ms"));
  EXPECT_EQ(pulled.board, CableBoard::kGenerator);
  EXPECT_FALSE(pulled.plug);
  EXPECT_EQ(pulled.duration, milliseconds(300));
  const Cable until_plugged = std::get<Cable>(ok("unplug actuator"));
  EXPECT_EQ(until_plugged.board, CableBoard::kActuator);
  EXPECT_FALSE(until_plugged.duration.has_value());
  const Cable back = std::get<Cable>(ok("plug actuator"));
  EXPECT_TRUE(back.plug);
  EXPECT_EQ(back.board, CableBoard::kActuator);

  EXPECT_EQ(error_of("unplug"), "unplug takes generator or actuator, then optionally for=DURATION");
  EXPECT_EQ(error_of("unplug handpiece"),
            "unplug takes generator or actuator, then optionally for=DURATION");
  EXPECT_EQ(error_of("unplug generator soon"),
            "unplug takes generator or actuator, then optionally for=DURATION");
  EXPECT_EQ(error_of("unplug generator for=0ms"),
            "for='0ms' is not a positive duration (e.g. 200ms)");
  EXPECT_EQ(error_of("plug generator for=1s"), "plug takes generator or actuator");
}

TEST(SimCommand, EveryErrorSaysWhatIsWrong) {
  EXPECT_EQ(error_of(""), "empty request");
  EXPECT_EQ(error_of("explode"),
            "unknown request 'explode' (faults, inject, clear, trigger, estop, cartridge, unplug, "
            "plug, status, history)");
  EXPECT_EQ(error_of("inject"), "inject needs a fault name (see 'faults')");
  EXPECT_EQ(error_of("inject melt"), "unknown fault 'melt' (see 'faults')");
  EXPECT_EQ(error_of("inject impedance-open for=soon"),
            "for='soon' is not a positive duration (e.g. 200ms)");
  EXPECT_EQ(error_of("inject skin-heating target=hot"), "target='hot' is not a number");
  EXPECT_EQ(error_of("inject skin-heating target=500"), "target=500 is outside its range");
  EXPECT_EQ(error_of("inject skin-heating colour=red"),
            "skin-heating has no parameter 'colour' (it takes: target, rate)");
  EXPECT_EQ(error_of("inject skin-heating 44"), "expected NAME=VALUE, got '44'");
  EXPECT_EQ(error_of("trigger squeeze"), "trigger takes one of: press | release | tap");
  EXPECT_EQ(error_of("status now"), "status takes no arguments");
}

TEST(Scenario, ReadsTimedStepsInTimeOrderSkippingCommentsAndBlankLines) {
  auto result = parse_scenario(
      "# stamping with a skin-heating fault\n"
      "\n"
      "2s inject skin-heating for=3s target=44\n"
      "500ms trigger tap   # first pulse\n"
      "1s trigger tap\n",
      "face.scenario");
  ASSERT_TRUE(std::holds_alternative<std::vector<ScenarioStep>>(result))
      << std::get<CommandError>(result).message;
  const auto& steps = std::get<std::vector<ScenarioStep>>(result);
  ASSERT_EQ(steps.size(), 3U);
  EXPECT_EQ(steps[0].at, milliseconds(500));
  EXPECT_EQ(steps[0].line, 4);
  EXPECT_EQ(steps[1].at, seconds(1));
  EXPECT_EQ(steps[2].at, seconds(2));
  EXPECT_TRUE(std::holds_alternative<InjectFault>(steps[2].command));
}

TEST(Scenario, NamesTheFileAndLineOfAnError) {
  auto bad_time = parse_scenario("1s trigger tap\nsoon trigger tap\n", "a.scenario");
  EXPECT_EQ(std::get<CommandError>(bad_time).message,
            "a.scenario:2: 'soon' is not a time (a step starts with when it runs, e.g. 1.5s)");
  auto bad_fault = parse_scenario("\n\n3s inject melt\n", "b.scenario");
  EXPECT_EQ(std::get<CommandError>(bad_fault).message,
            "b.scenario:3: unknown fault 'melt' (see 'faults')");
}

}  // namespace
}  // namespace rfneedle::sim
