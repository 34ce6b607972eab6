// The process tests' host policy (on_fresh_processes, tests/support/device_processes.h):
// an attempt that failed is the host's only with the processes' own evidence (a tick over
// kTickStarvedUs late) or a HostDisturbed; without it the failure is reported as it
// happened, so the policy cannot hide a failure on a machine that kept time.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/support/device_processes.h"

namespace rfneedle::testing {
namespace {

constexpr std::int64_t kStarved = kTickStarvedUs + 1;
constexpr std::int64_t kOnTime = kTickStarvedUs - 1000;

// One attempt's processes: a watched process whose tick was `late_us` late at worst.
void watched(std::int64_t late_us, const std::function<void()>& body) {
  const TickWatch watch([late_us] { return late_us; });
  body();
}

TEST(OnFreshProcesses, AFailureWhileTheProcessesKeptTimeIsReportedAtOnce) {
  int runs = 0;
  std::optional<std::string> skipped;
  EXPECT_NONFATAL_FAILURE(
      skipped = on_fresh_processes(3,
                                   [&] {
                                     ++runs;
                                     watched(kOnTime, [] { ADD_FAILURE() << "a real failure"; });
                                   }),
      "a real failure");
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(skipped.has_value());
}

TEST(OnFreshProcesses, AFailureWithNoEvidenceAtAllIsReported) {
  EXPECT_FATAL_FAILURE((void)on_fresh_processes(3, [] { FAIL() << "no process watched"; }),
                       "no process watched");
}

TEST(OnFreshProcesses, AFailureWhileATickWasStarvedRunsAgainAndALaterPassCounts) {
  int runs = 0;
  const std::optional<std::string> skipped = on_fresh_processes(3, [&] {
    ++runs;
    watched(kStarved, [&] { EXPECT_EQ(runs, 2) << "starved"; });
  });
  EXPECT_EQ(runs, 2);
  EXPECT_FALSE(skipped.has_value());
}

TEST(OnFreshProcesses, EveryTryFailedWhileStarvedSkipsWithTheEvidence) {
  int runs = 0;
  const std::optional<std::string> skipped = on_fresh_processes(3, [&] {
    ++runs;
    watched(kStarved, [] { throw DeviceError("starved"); });
  });
  EXPECT_EQ(runs, 3);
  ASSERT_TRUE(skipped.has_value());
  EXPECT_NE(skipped->find(std::to_string(kStarved) + " us late"), std::string::npos) << *skipped;
}

TEST(OnFreshProcesses, TheLastTryOnTimeCountsAsItHappened) {
  int runs = 0;
  EXPECT_NONFATAL_FAILURE((void)on_fresh_processes(2,
                                                   [&] {
                                                     ++runs;
                                                     watched(runs == 1 ? kStarved : kOnTime, [] {
                                                       ADD_FAILURE() << "fails each time";
                                                     });
                                                   }),
                          "fails each time");
  EXPECT_EQ(runs, 2);
}

TEST(OnFreshProcesses, HostDisturbedOnTimeIsRethrownAfterTheTries) {
  int runs = 0;
  EXPECT_THROW((void)on_fresh_processes(3,
                                        [&] {
                                          ++runs;
                                          throw HostDisturbed("a link fault", kOnTime);
                                        }),
               HostDisturbed);
  EXPECT_EQ(runs, 3);
}

TEST(OnFreshProcesses, AProcessOfAnEarlierAttemptIsNotThisOnesEvidence) {
  // A fixture's device from the lost attempt lives on while the next one starts.
  std::unique_ptr<TickWatch> earlier;
  int runs = 0;
  EXPECT_NONFATAL_FAILURE(
      (void)on_fresh_processes(2,
                               [&] {
                                 ++runs;
                                 if (runs == 1) {
                                   earlier = std::make_unique<TickWatch>([] { return kStarved; });
                                 }
                                 ADD_FAILURE() << "fails each time";
                               }),
      "fails each time");
  EXPECT_EQ(runs, 2);
}

TEST(OnFreshProcesses, AnAttemptSeesItsOwnFailuresBeforeItEnds) {
  bool seen = false;
  EXPECT_NONFATAL_FAILURE((void)on_fresh_processes(1,
                                                   [&] {
                                                     EXPECT_FALSE(attempt_failed());
                                                     ADD_FAILURE() << "first";
                                                     seen = attempt_failed();
                                                   }),
                          "first");
  EXPECT_TRUE(seen);
}

TEST(SafetyTickExceeded, TheHighestBoundSomeTickWasLaterThan) {
  const std::string metrics =
      "# TYPE rfneedle_safety_tick_lateness_seconds histogram\n"
      "rfneedle_safety_tick_lateness_seconds_bucket{le=\"0.001\"} 990\n"
      "rfneedle_safety_tick_lateness_seconds_bucket{le=\"0.002\"} 998\n"
      "rfneedle_safety_tick_lateness_seconds_bucket{le=\"0.005\"} 1000\n"
      "rfneedle_safety_tick_lateness_seconds_bucket{le=\"+Inf\"} 1000\n"
      "rfneedle_safety_tick_lateness_seconds_count 1000\n";
  EXPECT_EQ(safety_tick_exceeded_us(metrics), 2000);
  EXPECT_EQ(safety_tick_exceeded_us("rfneedle_safety_tick_lateness_seconds_bucket{le=\"0.001\"} 5\n"
                                    "rfneedle_safety_tick_lateness_seconds_count 5\n"),
            0);
  EXPECT_EQ(safety_tick_exceeded_us("rfneedle_up 1\n"), -1);
}

}  // namespace
}  // namespace rfneedle::testing
