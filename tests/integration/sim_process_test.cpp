// rfneedle-sim as a process: both boards served on pseudo-terminals, reached through the
// controller's real serial transport and drivers. Assertions use the boards' clocks and
// sample counters, never the test's own timing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "hal/device_proto_hash.h"
#include "tests/integration/sim_process_fixture.h"

namespace rfneedle::testing {
namespace {

using ::testing::HasSubstr;

// Telemetry from one board is consecutive in its sample counter, and the board's clock
// advances 1 ms a sample on average.
void expect_gapless_1khz(const std::vector<TelemetrySample>& samples) {
  ASSERT_GE(samples.size(), 500U);
  // The first frames may predate the session; judge the stream after the handshake.
  for (std::size_t i = 11; i < samples.size(); ++i) {
    EXPECT_EQ(samples[i].sample_counter, samples[i - 1].sample_counter + 1) << "sample " << i;
    EXPECT_EQ(samples[i].missed, 0U) << "sample " << i;
    EXPECT_GT(samples[i].board_time_us, samples[i - 1].board_time_us) << "sample " << i;
  }
  const auto& first = samples[10];
  const auto& last = samples.back();
  const double us_per_sample = static_cast<double>(last.board_time_us - first.board_time_us) /
                               static_cast<double>(last.sample_counter - first.sample_counter);
  EXPECT_NEAR(us_per_sample, 1000.0, 20.0);
}

TEST(SimProcess, ServesBothBoardsCompletesBothHandshakesAndStreamsTelemetryAt1kHzWithoutGaps) {
  SimProcessFixture fixture;
  fixture.connect();
  ASSERT_TRUE(fixture.pump_until([&] {
    return fixture.generator_handshake && fixture.actuator_handshake &&
           fixture.generator_samples.size() >= 1000 && fixture.actuator_samples.size() >= 1000;
  })) << fixture.sim().standard_error();

  EXPECT_TRUE(fixture.generator_handshake->simulated());
  EXPECT_EQ(fixture.generator_handshake->board_kind(), device::BOARD_KIND_GENERATOR);
  EXPECT_EQ(fixture.generator_handshake->proto_hash(), hal::kDeviceProtoHash);
  EXPECT_TRUE(fixture.actuator_handshake->simulated());
  EXPECT_EQ(fixture.actuator_handshake->board_kind(), device::BOARD_KIND_ACTUATOR);
  EXPECT_EQ(fixture.actuator_handshake->proto_hash(), hal::kDeviceProtoHash);
  EXPECT_EQ(fixture.actuator_mismatch, hal::HandshakeMismatch::kNone)
      << name(fixture.actuator_mismatch);
  expect_gapless_1khz(fixture.generator_samples);
  expect_gapless_1khz(fixture.actuator_samples);
  EXPECT_EQ(fixture.link_faults, 0);
}

TEST(SimProcess, ControlSocketInjectsAFaultAndReportsGroundTruth) {
  SimProcessFixture fixture;
  EXPECT_THAT(fixture.control("inject rf-stuck-on power=5"), HasSubstr("\"ok\":true"));
  const std::string status = fixture.control("status");
  EXPECT_THAT(status, HasSubstr("\"active_faults\":[\"rf-stuck-on\"]"));
  EXPECT_THAT(fixture.control("inject melt"), HasSubstr("unknown fault 'melt'"));
}

// Board-clock milliseconds during which both trigger contacts read closed, in runs.
std::vector<std::uint64_t> trigger_presses_ms(const std::vector<TelemetrySample>& samples) {
  constexpr std::uint32_t kBoth =
      device::ACTUATOR_SIGNAL_TRIGGER_A | device::ACTUATOR_SIGNAL_TRIGGER_B;
  std::vector<std::uint64_t> presses;
  bool held = false;
  for (const auto& s : samples) {
    const bool closed = (s.signals & kBoth) == kBoth;
    if (closed && !held) {
      presses.push_back(s.board_time_us / 1000);
    }
    held = closed;
  }
  return presses;
}

TEST(SimProcess, AutoTriggerPressesOnItsRhythmInTheBoardsClock) {
  SimProcessFixture fixture({"--auto-trigger", "4"});
  fixture.connect();
  ASSERT_TRUE(fixture.pump_until([&] {
    return trigger_presses_ms(fixture.actuator_samples).size() >= 4;
  })) << fixture.sim().standard_error();
  const auto presses = trigger_presses_ms(fixture.actuator_samples);
  for (std::size_t i = 1; i < presses.size(); ++i) {
    EXPECT_NEAR(static_cast<double>(presses[i] - presses[i - 1]), 250.0, 5.0) << "press " << i;
  }
}

TEST(SimProcess, ControlSocketTapPressesAndReleasesTheTrigger) {
  SimProcessFixture fixture;
  fixture.connect();
  ASSERT_TRUE(fixture.pump_until([&] { return fixture.actuator_samples.size() >= 20; }));
  EXPECT_TRUE(trigger_presses_ms(fixture.actuator_samples).empty());
  EXPECT_THAT(fixture.control("trigger tap"), HasSubstr("\"ok\":true"));
  ASSERT_TRUE(fixture.pump_until([&] {
    const auto& last = fixture.actuator_samples.back();
    return !trigger_presses_ms(fixture.actuator_samples).empty() &&
           (last.signals & device::ACTUATOR_SIGNAL_TRIGGER_A) == 0;
  }));
  // Held for the tap's 1 s in the board's clock.
  std::uint64_t held_ms = 0;
  for (const auto& s : fixture.actuator_samples) {
    held_ms += (s.signals & device::ACTUATOR_SIGNAL_TRIGGER_B) != 0 ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(held_ms), 1000.0, 10.0);
}

TEST(SimProcess, SigtermTurnsRfOffRemovesTheLinksAndExitsZero) {
  SimProcessFixture fixture;
  fixture.sim().signal(SIGTERM);
  EXPECT_EQ(fixture.sim().wait(std::chrono::seconds(10)), 0) << fixture.sim().standard_error();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(fixture.generator_link())));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(fixture.actuator_link())));
  EXPECT_THAT(fixture.sim().standard_error(), HasSubstr("RF off"));
}

TEST(SimProcess, BadFlagsAndBadScenarioFilesExitWithStatus2NamingTheProblem) {
  const auto dir = std::filesystem::temp_directory_path();
  auto bad_flag = run_program(g_sim_program, {"--seed", "soon"}, dir);
  EXPECT_EQ(bad_flag.status, 2);
  EXPECT_THAT(bad_flag.err, HasSubstr("--seed: 'soon' is not a whole number"));

  const auto scenario = dir / ("rfneedle-bad-" + std::to_string(::getpid()) + ".scenario");
  { std::ofstream(scenario) << "1s trigger tap\n2s inject melt\n"; }
  auto bad_scenario = run_program(g_sim_program,
                                  {"--generator-link", (dir / "g").string(), "--actuator-link",
                                   (dir / "a").string(), "--scenario", scenario.string()},
                                  dir);
  std::filesystem::remove(scenario);
  EXPECT_EQ(bad_scenario.status, 2);
  EXPECT_THAT(bad_scenario.err, HasSubstr(scenario.string() + ":2: unknown fault 'melt'"));
}

TEST(SimProcess, ListFaultsPrintsEveryFaultWithWhatItDoes) {
  auto listed =
      run_program(g_sim_program, {"--list-faults"}, std::filesystem::temp_directory_path());
  EXPECT_EQ(listed.status, 0);
  for (const char* name : {"link-drop", "impedance-open", "skin-heating", "rf-stuck-on",
                           "retraction-jam", "estop", "board-reboot"}) {
    EXPECT_THAT(listed.out, HasSubstr(name));
  }
  EXPECT_THAT(listed.out, HasSubstr("boot=200 ms (0..10000 ms)"));  // value, then its unit
}

}  // namespace
}  // namespace rfneedle::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PATH_TO_RFNEEDLE_SIM\n", argv[0]);
    return 2;
  }
  rfneedle::testing::g_sim_program = argv[1];
  return RUN_ALL_TESTS();
}
