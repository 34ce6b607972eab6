// rfneedled's configuration file: the core's limits, the boards accepted, the accounts and
// the daemon's settings; a bad file names the file and the field (issue 9).
#include "controller/daemon/daemon_config.h"

#include <gtest/gtest.h>

namespace rfneedle::daemon {
namespace {

std::string error_of(const std::string& text) {
  const auto r = parse_daemon_config(text, "demo.conf");
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string{};
}

TEST(DaemonConfig, ReadsEverySection) {
  const auto r = parse_daemon_config(R"(
    skin { fault_mdegc: 44000 }
    boards { allow_simulated: true }
    accounts { operator { user: "anna" pin_hash: "$argon2id$x" } service_key_hash: "$argon2id$y" }
    daemon { generator: "/tmp/g" actuator: "/tmp/a" listen: "127.0.0.1:0" data_dir: "/tmp/d"
             metrics_listen: "10.0.0.5:9464" }
  )",
                                     "demo.conf");
  ASSERT_TRUE(std::holds_alternative<DaemonConfig>(r)) << std::get<std::string>(r);
  const DaemonConfig& c = std::get<DaemonConfig>(r);
  EXPECT_EQ(c.core.skin.fault, celsius(44));
  EXPECT_TRUE(c.boards.allow_simulated);
  ASSERT_EQ(c.operators.size(), 1u);
  EXPECT_EQ(c.operators[0].user, "anna");
  EXPECT_EQ(c.service_key_hash, "$argon2id$y");
  EXPECT_EQ(c.settings.generator_path, "/tmp/g");
  EXPECT_EQ(c.settings.listen, "127.0.0.1:0");
  EXPECT_EQ(c.settings.metrics_listen, "10.0.0.5:9464");
  EXPECT_EQ(c.fingerprint.size(), 64u);  // SHA-256 in hex
  EXPECT_EQ(c.min_course_interval_days, 28);
}

TEST(DaemonConfig, ReadsTheCourseIntervalAndTheScreeningItems) {
  std::string text = "course { min_course_interval_days: 35 }\nscreening {\n";
  for (const core::ScreeningItem& item : core::default_screening_items()) {
    text += "  item { id: \"" + item.id + "\" text: \"" + item.text + "\" kind: " +
            (item.kind == core::ScreeningKind::kAdvisory ? "ADVISORY" : "CONTRAINDICATION") +
            " }\n";
  }
  text += "  item { id: \"sunburn\" text: \"sunburn on the area\" kind: ADVISORY }\n}\n";
  const auto r = parse_daemon_config(text, "clinic.conf");
  ASSERT_TRUE(std::holds_alternative<DaemonConfig>(r)) << std::get<std::string>(r);
  const DaemonConfig& c = std::get<DaemonConfig>(r);
  EXPECT_EQ(c.min_course_interval_days, 35);
  ASSERT_EQ(c.core.screening.size(), core::default_screening_items().size() + 1);
  EXPECT_EQ(c.core.screening.back().id, "sunburn");
  EXPECT_EQ(c.core.screening.back().kind, core::ScreeningKind::kAdvisory);
}

TEST(DaemonConfig, TheFingerprintIsTheSha256OfTheFilesBytes) {
  const auto c = parse_daemon_config("", "empty.conf");
  ASSERT_TRUE(std::holds_alternative<DaemonConfig>(c));
  EXPECT_EQ(std::get<DaemonConfig>(c).fingerprint,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// Verifies: SR-67
TEST(DaemonConfig, ABadFileNamesTheFileAndTheField) {
  // file:line: field: rule.
  EXPECT_EQ(error_of("skin { fault_mdegc: 46000 }"),
            "demo.conf:1: skin.fault_mdegc: widens the hard limit of 45000");
  EXPECT_EQ(error_of("\n\nskin {\n  warn_mdegc: 41000\n  fault_mdegc: 46000\n}"),
            "demo.conf:5: skin.fault_mdegc: widens the hard limit of 45000");
  EXPECT_NE(error_of("skin { fault_mdegc: }").find("line 1"), std::string::npos);
  EXPECT_NE(error_of(R"(accounts { operator { user: "anna" } })").find("pin_hash"),
            std::string::npos);
  EXPECT_NE(error_of(R"(accounts { operator { user: "a" pin_hash: "h" }
                                   operator { user: "a" pin_hash: "h" } })")
                .find("appears twice"),
            std::string::npos);
  EXPECT_NE(error_of(R"(accounts { operator { user: "a/b" pin_hash: "h" } })")
                .find("accounts.operator.user: 'a/b' is not 1 to 64 of A-Z a-z 0-9 . _ -"),
            std::string::npos);
  EXPECT_EQ(error_of("\ncourse {\n  min_course_interval_days: 7\n}"),
            "demo.conf:3: course.min_course_interval_days: 7 is outside 14..365 days");
  const auto missing = load_daemon_config("/nonexistent/rfneedled.conf");
  ASSERT_TRUE(std::holds_alternative<std::string>(missing));
  EXPECT_NE(std::get<std::string>(missing).find("/nonexistent/rfneedled.conf"), std::string::npos);
}

}  // namespace
}  // namespace rfneedle::daemon

namespace rfneedle::daemon {
namespace {

TEST(DaemonConfigLog, ReadsTheRotatingFilesPathSizeAndCount) {
  const auto r = parse_daemon_config(
      R"(log { file: "/var/log/rfneedle/rfneedled.log" max_file_bytes: 1048576 max_files: 7 })",
      "device.conf");
  ASSERT_TRUE(std::holds_alternative<DaemonConfig>(r)) << std::get<std::string>(r);
  const LogConfig& log = std::get<DaemonConfig>(r).log;
  EXPECT_EQ(log.file, "/var/log/rfneedle/rfneedled.log");
  EXPECT_EQ(log.max_file_bytes, 1'048'576u);
  EXPECT_EQ(log.max_files, 7u);
}

TEST(DaemonConfigLog, DefaultsToTheDataDirectoryFiveMiBThreeFiles) {
  const auto r = parse_daemon_config("", "device.conf");
  ASSERT_TRUE(std::holds_alternative<DaemonConfig>(r));
  const LogConfig& log = std::get<DaemonConfig>(r).log;
  EXPECT_FALSE(log.file);
  EXPECT_EQ(log.max_file_bytes, 5u * 1024 * 1024);
  EXPECT_EQ(log.max_files, 3u);
}

TEST(DaemonConfigLog, RefusesSizesAndCountsOutOfRangeNamingTheField) {
  const auto error = [](const std::string& text) {
    const auto r = parse_daemon_config(text, "device.conf");
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string{};
  };
  EXPECT_EQ(error("log { max_file_bytes: 1000 }"),
            "device.conf: log.max_file_bytes: 1000 is outside 65536..1073741824");
  EXPECT_EQ(error("log { max_files: 0 }"), "device.conf: log.max_files: 0 is outside 1..100");
  EXPECT_EQ(error("log { max_files: 101 }"), "device.conf: log.max_files: 101 is outside 1..100");
  EXPECT_EQ(error(R"(log { file: "" })"),
            "device.conf: log.file: empty (leave it out for rfneedled.log in the data directory)");
}

}  // namespace
}  // namespace rfneedle::daemon
