// Fault catalogue and schedule (DESIGN 5, issue 4).
#include "simulator/faults.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace rfneedle::sim {
namespace {

using std::chrono::milliseconds;

constexpr Instant at(int ms) { return Instant{} + milliseconds(ms); }

TEST(FaultCatalogue, NamesEveryFaultTheIssueLists) {
  const char* const names[] = {"link-drop",
                               "link-corrupt",
                               "link-delay",
                               "link-stall",
                               "link-disconnect",
                               "impedance-open",
                               "impedance-short",
                               "impedance-drift",
                               "thermistor-a-open",
                               "thermistor-a-short",
                               "thermistor-a-stuck",
                               "thermistor-a-drift",
                               "thermistor-b-open",
                               "thermistor-b-short",
                               "thermistor-b-stuck",
                               "thermistor-b-drift",
                               "thermistor-pair-disagree",
                               "skin-heating",
                               "rf-stuck-on",
                               "power-drift",
                               "motor-stall",
                               "encoder-slip",
                               "retraction-jam",
                               "cartridge-missing",
                               "cartridge-expired",
                               "trigger-stuck",
                               "estop",
                               "board-reboot"};
  for (const char* name : names) EXPECT_TRUE(fault_by_name(name)) << name;
  EXPECT_FALSE(fault_by_name("no-such-fault"));
}

TEST(FaultCatalogue, EveryEntryIsNamedInKebabCaseOnceAndSaysWhatItDoes) {
  std::set<std::string> seen;
  for (const FaultSpec& spec : fault_catalogue()) {
    EXPECT_TRUE(seen.insert(std::string(spec.name)).second) << spec.name;
    EXPECT_EQ(spec.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz-"), std::string_view::npos)
        << spec.name;
    EXPECT_FALSE(spec.affects.empty()) << spec.name;
    EXPECT_FALSE(spec.effect.empty()) << spec.name;
    EXPECT_EQ(fault_spec(spec.kind).name, spec.name);
    for (const FaultParameterSpec& parameter : spec.parameters) {
      EXPECT_FALSE(parameter.unit.empty()) << spec.name << " " << parameter.name;
      EXPECT_GE(parameter.default_value, parameter.min) << spec.name << " " << parameter.name;
      EXPECT_LE(parameter.default_value, parameter.max) << spec.name << " " << parameter.name;
    }
  }
  EXPECT_EQ(seen.size(), kFaultKindCount);
}

TEST(FaultCatalogue, LinkFaultsAndRebootAreLeftToTheFirmwareAndProcess) {
  EXPECT_EQ(fault_spec(FaultKind::kLinkDrop).layer, FaultLayer::kLink);
  EXPECT_EQ(fault_spec(FaultKind::kLinkDisconnect).layer, FaultLayer::kLink);
  EXPECT_EQ(fault_spec(FaultKind::kBoardReboot).layer, FaultLayer::kFirmware);
  EXPECT_EQ(fault_spec(FaultKind::kMotorStall).layer, FaultLayer::kModel);
}

TEST(FaultCatalogue, SkinHeatingIsLimitedToAPlausible5CPerSecond) {
  FaultParameters parameters(FaultKind::kSkinHeating);
  EXPECT_EQ(parameters.set("rate", "5"), std::nullopt);
  EXPECT_EQ(parameters.set("rate", "5.1"), FaultParameterError::kOutOfRange);
  EXPECT_EQ(parameters.get("rate"), 5.0);
}

TEST(FaultParameters, StartAtTheirDefaultsAndParseNumbersAndChoices) {
  FaultParameters parameters(FaultKind::kLinkDelay);
  EXPECT_EQ(parameters.get("delay"), 30.0);
  EXPECT_EQ(parameters.get("link"), 0.0);  // both
  EXPECT_EQ(parameters.set("link", "actuator"), std::nullopt);
  EXPECT_EQ(parameters.get("link"), 2.0);
  EXPECT_EQ(parameters.set("delay", "12.5"), std::nullopt);
  EXPECT_EQ(parameters.get("delay"), 12.5);
}

TEST(FaultParameters, RejectUnknownNamesBadNumbersAndUnknownChoicesChangingNothing) {
  FaultParameters parameters(FaultKind::kLinkDelay);
  EXPECT_EQ(parameters.set("speed", "1"), FaultParameterError::kUnknownName);
  EXPECT_EQ(parameters.set("delay", "12ms"), FaultParameterError::kNotANumber);
  EXPECT_EQ(parameters.set("delay", ""), FaultParameterError::kNotANumber);
  EXPECT_EQ(parameters.set("delay", "5000"), FaultParameterError::kOutOfRange);
  EXPECT_EQ(parameters.set("link", "printer"), FaultParameterError::kUnknownChoice);
  EXPECT_EQ(parameters.get("delay"), 30.0);
  EXPECT_EQ(parameters.get("link"), 0.0);
}

TEST(FaultSchedule, AFaultIsActiveFromItsStartForItsDuration) {
  FaultSchedule schedule;
  schedule.add(at(100), milliseconds(50), FaultParameters(FaultKind::kMotorStall));
  EXPECT_FALSE(schedule.is_active(FaultKind::kMotorStall, at(99)));
  EXPECT_TRUE(schedule.is_active(FaultKind::kMotorStall, at(100)));
  EXPECT_TRUE(schedule.is_active(FaultKind::kMotorStall, at(149)));
  EXPECT_FALSE(schedule.is_active(FaultKind::kMotorStall, at(150)));
  EXPECT_FALSE(schedule.is_active(FaultKind::kEstop, at(120)));
}

TEST(FaultSchedule, AFaultWithoutDurationLastsUntilCleared) {
  FaultSchedule schedule;
  schedule.add(at(10), std::nullopt, FaultParameters(FaultKind::kEstop));
  EXPECT_TRUE(schedule.is_active(FaultKind::kEstop, at(1'000'000)));
  EXPECT_EQ(schedule.clear(FaultKind::kEstop, at(2'000)), 1u);
  EXPECT_TRUE(schedule.is_active(FaultKind::kEstop, at(1'999)));
  EXPECT_FALSE(schedule.is_active(FaultKind::kEstop, at(2'000)));
  EXPECT_EQ(schedule.clear(FaultKind::kEstop, at(3'000)), 0u);
}

TEST(FaultSchedule, ClearingAlsoCancelsOccurrencesStillToCome) {
  FaultSchedule schedule;
  schedule.add(at(500), milliseconds(100), FaultParameters(FaultKind::kLinkStall));
  schedule.add(at(10), std::nullopt, FaultParameters(FaultKind::kEstop));
  EXPECT_EQ(schedule.clear_all(at(100)), 2u);
  EXPECT_FALSE(schedule.is_active(FaultKind::kLinkStall, at(550)));
  EXPECT_FALSE(schedule.is_active(FaultKind::kEstop, at(550)));
}

TEST(FaultSchedule, TheLatestStartedOccurrenceGivesTheParameters) {
  FaultSchedule schedule;
  FaultParameters mild(FaultKind::kEncoderSlip);
  ASSERT_EQ(mild.set("slip", "50"), std::nullopt);
  FaultParameters severe(FaultKind::kEncoderSlip);
  ASSERT_EQ(severe.set("slip", "500"), std::nullopt);
  schedule.add(at(0), std::nullopt, mild);
  schedule.add(at(100), milliseconds(100), severe);
  EXPECT_EQ(schedule.active(FaultKind::kEncoderSlip, at(50))->parameters.get("slip"), 50.0);
  EXPECT_EQ(schedule.active(FaultKind::kEncoderSlip, at(150))->parameters.get("slip"), 500.0);
  EXPECT_EQ(schedule.active(FaultKind::kEncoderSlip, at(250))->parameters.get("slip"), 50.0);
}

}  // namespace
}  // namespace rfneedle::sim
