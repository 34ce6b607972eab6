#include "tools/diag/diag_time.h"

#include <google/protobuf/timestamp.pb.h>
#include <gtest/gtest.h>

namespace rfneedle::diag {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

const WallTime kNow =
    std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + hours(8) + minutes(30);

WallTime at(std::string_view text) {
  const auto t = parse_time(text, kNow);
  EXPECT_TRUE(t) << text << ": " << t.error;
  return t.value.value_or(WallTime{});
}

std::string error(std::string_view text) { return parse_time(text, kNow).error; }

TEST(DiagTime, ReadsIso8601InUtcAndWithOffsets) {
  EXPECT_EQ(at("2026-01-01T08:30:00Z"), kNow);
  EXPECT_EQ(at("2026-01-01t08:30:00z"), kNow);
  EXPECT_EQ(at("2026-01-01T10:30:00+02:00"), kNow);
  EXPECT_EQ(at("2026-01-01T03:00:00-0530"), kNow);
  EXPECT_EQ(at("2026-01-01T08:30:00.250Z"), kNow + milliseconds(250));
  EXPECT_EQ(at("2026-01-01 08:30"), kNow);  // no zone: UTC
  EXPECT_EQ(at("2026-01-01"), kNow - hours(8) - minutes(30));
}

TEST(DiagTime, ReadsTimesRelativeToNowLikeJournalctl) {
  EXPECT_EQ(at("-10min"), kNow - minutes(10));
  EXPECT_EQ(at("-2h"), kNow - hours(2));
  EXPECT_EQ(at("-30s"), kNow - std::chrono::seconds(30));
  EXPECT_EQ(at("-1d"), kNow - hours(24));
  EXPECT_EQ(at("-500ms"), kNow - milliseconds(500));
  EXPECT_EQ(at("now"), kNow);
}

TEST(DiagTime, RefusesWhatIsNotATimeSayingWhy) {
  EXPECT_NE(error("yesterday").find("not a date"), std::string::npos);
  EXPECT_NE(error("2026-02-30").find("no such date"), std::string::npos);
  EXPECT_NE(error("2026-01-01T25:00").find("out of range"), std::string::npos);
  EXPECT_NE(error("2026-01-01T08:30:00Q").find("unexpected characters"), std::string::npos);
  EXPECT_NE(error("-10fortnights").find("unknown unit 'fortnights'"), std::string::npos);
  EXPECT_NE(error("-min").find("a minus, a number and a unit"), std::string::npos);
  EXPECT_NE(error("2026-01-01T08:30:00+2").find("UTC offset"), std::string::npos);
}

TEST(DiagTime, PrintsUtcIso8601) {
  EXPECT_EQ(format_utc(kNow), "2026-01-01T08:30:00Z");
  EXPECT_EQ(format_utc(kNow + milliseconds(250)), "2026-01-01T08:30:00Z");
  EXPECT_EQ(format_utc(kNow + milliseconds(250), true), "2026-01-01T08:30:00.250Z");
  EXPECT_EQ(format_utc(kNow, true), "2026-01-01T08:30:00Z");
}

TEST(DiagTime, ConvertsTimestampsBothWays) {
  google::protobuf::Timestamp t;
  to_timestamp(kNow + milliseconds(7), t);
  EXPECT_EQ(t.nanos(), 7'000'000);
  EXPECT_EQ(from_timestamp(t), kNow + milliseconds(7));
}

}  // namespace
}  // namespace rfneedle::diag
