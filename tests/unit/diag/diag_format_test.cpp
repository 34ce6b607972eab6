#include "tools/diag/diag_format.h"

#include <gtest/gtest.h>

#include "tools/diag/diag_exit.h"
#include "tools/diag/diag_url.h"

namespace rfneedle::diag {
namespace {

TEST(DiagFormat, NamesEnumsInWords) {
  EXPECT_EQ(label(api::STATE_SERVICE_LOCK), "service lock");
  EXPECT_EQ(label(api::ALARM_PRIORITY_HIGH), "high");
  EXPECT_EQ(label(api::CLEAR_POLICY_SERVICE_RESET), "service reset");
  EXPECT_EQ(words("OTHER_NAME", "STATE_"), "other name");
  EXPECT_EQ(priority_marker(api::ALARM_PRIORITY_HIGH), "***");
  EXPECT_EQ(priority_marker(api::ALARM_PRIORITY_MEDIUM), "**");
  EXPECT_EQ(priority_marker(api::ALARM_PRIORITY_LOW), "*");
  EXPECT_EQ(priority_marker(api::ALARM_PRIORITY_NONE), "");
}

TEST(DiagFormat, PrintsMilliAndMicroUnitsAsDecimals) {
  EXPECT_EQ(milli(41250, 1), "41.3");
  EXPECT_EQ(milli(10000, 1), "10.0");
  EXPECT_EQ(milli(-1500, 1), "-1.5");
  EXPECT_EQ(milli(7, 3), "0.007");
  EXPECT_EQ(micro(1'005'423, 4), "1.0054");
  EXPECT_EQ(micro(0, 2), "0.00");
}

TEST(DiagFormat, TablesAlignOnATerminalAndAreTabSeparatedWhenPiped) {
  Table t({"BOARD", "FRAMES"});
  t.add({"generator", "12"});
  t.add({"actuator", "3"});
  EXPECT_EQ(t.render(Style{false, false}), "BOARD\tFRAMES\ngenerator\t12\nactuator\t3\n");
  EXPECT_EQ(t.render(Style{true, false}), "BOARD      FRAMES\ngenerator  12\nactuator   3\n");
  // Colour codes do not count toward a column's width.
  const std::string coloured = t.render(Style{true, true});
  EXPECT_NE(coloured.find("\033[1mBOARD\033[0m      "), std::string::npos);
}

TEST(DiagFormat, ColourOnlyWhenAsked) {
  const Style plain{true, false};
  EXPECT_EQ(plain.priority(api::ALARM_PRIORITY_HIGH, "high"), "high");
  const Style colour{true, true};
  EXPECT_EQ(colour.priority(api::ALARM_PRIORITY_HIGH, "high"), "\033[1;31mhigh\033[0m");
  EXPECT_EQ(colour.priority(api::ALARM_PRIORITY_MEDIUM, "m"), "\033[33mm\033[0m");
  EXPECT_EQ(colour.priority(api::ALARM_PRIORITY_LOW, "l"), "\033[36ml\033[0m");
  EXPECT_EQ(visible_width("\033[1;31mΩ°C\033[0m"), 3u);
}

TEST(DiagFormat, FieldsAlignTheirValues) {
  Fields f;
  f.add("State", "standby");
  f.add("Cartridge", "none");
  EXPECT_EQ(f.render(Style{true, false}), "State:     standby\nCartridge: none\n");
  EXPECT_EQ(f.render(Style{false, false}), "State: standby\nCartridge: none\n");
}

TEST(DiagExit, MapsTheControllersAnswersToExitCodes) {
  EXPECT_EQ(exit_for_status(200), Exit::kOk);
  EXPECT_EQ(exit_for_status(400), Exit::kUsage);
  EXPECT_EQ(exit_for_status(404), Exit::kUsage);
  EXPECT_EQ(exit_for_status(401), Exit::kNotAuthorised);
  EXPECT_EQ(exit_for_status(403), Exit::kNotAuthorised);
  EXPECT_EQ(exit_for_status(423), Exit::kNotAuthorised);
  EXPECT_EQ(exit_for_status(409), Exit::kRefused);
  EXPECT_EQ(exit_for_status(429), Exit::kRefused);
  EXPECT_EQ(exit_for_status(502), Exit::kRefused);
  EXPECT_EQ(exit_for_status(503), Exit::kRefused);
}

TEST(DiagUrl, ReadsTheControllersAddress) {
  auto u = parse_url("http://127.0.0.1:8080");
  ASSERT_TRUE(u) << u.error;
  EXPECT_EQ(u.value->host, "127.0.0.1");
  EXPECT_EQ(u.value->port, 8080);
  EXPECT_EQ(u.value->host_header(), "127.0.0.1:8080");
  u = parse_url("http://[::1]:9000/");
  ASSERT_TRUE(u) << u.error;
  EXPECT_EQ(u.value->host, "::1");
  EXPECT_EQ(u.value->host_header(), "[::1]:9000");
  u = parse_url("http://127.0.0.1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u.value->port, 80);
}

TEST(DiagUrl, RefusesOtherAddressesSayingWhy) {
  EXPECT_NE(parse_url("https://127.0.0.1:8080").error.find("only http://"), std::string::npos);
  EXPECT_NE(parse_url("http://127.0.0.1:8080/api").error.find("no path"), std::string::npos);
  EXPECT_NE(parse_url("http://127.0.0.1:0").error.find("port"), std::string::npos);
  EXPECT_NE(parse_url("http://127.0.0.1:http").error.find("port"), std::string::npos);
  EXPECT_NE(parse_url("http://127.0.0.1:").error.find("port"), std::string::npos);
  EXPECT_NE(parse_url("http://:80").error.find("no host"), std::string::npos);
  EXPECT_NE(parse_url("http://[::1").error.find("unclosed"), std::string::npos);
}

}  // namespace
}  // namespace rfneedle::diag
