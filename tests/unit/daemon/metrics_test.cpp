// GET /metrics' book (issue 14): what the safety thread's atomics and the gateway's figures
// become in the Prometheus text, copied at scrape time without counting anything twice,
// with Prometheus's naming (rfneedle_ prefix, _total counters, base units) checked by
// promtool itself.
#include "controller/daemon/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include "controller/core/ladder.h"
#include "tests/support/prometheus_text.h"

namespace rfneedle::daemon {
namespace {

using rfneedle::testing::sample;
using ::testing::HasSubstr;
using ::testing::Not;

core::Condition first_on_rung(core::Action action) {
  for (std::size_t c = 0; c < core::kConditionCount; ++c) {
    if (core::spec(static_cast<core::Condition>(c)).action == action) {
      return static_cast<core::Condition>(c);
    }
  }
  throw std::logic_error("no condition on that rung");
}

class MetricsBookTest : public ::testing::Test {
 protected:
  MetricsInputs inputs() {
    MetricsInputs in;
    in.status = &status;
    in.loop = &loop;
    in.channels = &channels;
    in.gateway = &gateway;
    return in;
  }
  MetricsBook book{BuildInfo{"1.2.3+abc", "cafe", "0123456789abcdef"}};
  core::Status status;
  SafetyLoopCounters loop;
  SafetyChannels channels{QueueCapacities{}};
  GatewayFigures gateway;
};

TEST(LatencyHistogramTest, CountsEachDurationInTheFirstBucketWhoseBoundHoldsIt) {
  LatencyHistogram h(kRfOffBoundsUs);  // 5, 10, 25, ... 3000 us
  h.observe(std::chrono::microseconds(5));     // le 5 us
  h.observe(std::chrono::microseconds(6));     // le 10 us
  h.observe(std::chrono::microseconds(-3));    // a clock read out of order: 0, le 5 us
  h.observe(std::chrono::milliseconds(4));     // above the last bound
  EXPECT_EQ(h.count(0), 2u);
  EXPECT_EQ(h.count(1), 1u);
  EXPECT_EQ(h.count(kLatencyBuckets), 1u);
  EXPECT_EQ(h.sum_us(), 5u + 6u + 0u + 4000u);
}

TEST_F(MetricsBookTest, StateIsALabelledGaugeWithOneStateAtOne) {
  status.state = core::State::kEnergizing;
  const std::string text = book.scrape(inputs());
  EXPECT_EQ(sample(text, R"(rfneedle_state{state="Energizing"})"), 1.0) << text;
  EXPECT_EQ(sample(text, R"(rfneedle_state{state="Standby"})"), 0.0);
  status.state = core::State::kStandby;
  const std::string after = book.scrape(inputs());
  EXPECT_EQ(sample(after, R"(rfneedle_state{state="Energizing"})"), 0.0);
  EXPECT_EQ(sample(after, R"(rfneedle_state{state="Standby"})"), 1.0);
}

TEST_F(MetricsBookTest, CountersFollowTheirSourcesWithoutCountingTwice) {
  const auto completed = static_cast<std::size_t>(core::PulseOutcome::kCompleted);
  const auto treatment = static_cast<std::size_t>(core::PulseKind::kTreatment);
  gateway.pulses[treatment][completed] = 3;
  gateway.delivered_energy_uj = 1'500'000;
  status.counters.pulses_delivered = 3;
  loop.links[0].retransmissions = 7;
  loop.links[1].errors[2] = 4;  // crc
  (void)book.scrape(inputs());
  const std::string text = book.scrape(inputs());  // nothing new: the same values
  const std::string pulses = R"(rfneedle_pulses_total{kind="treatment",outcome="completed"})";
  EXPECT_EQ(sample(text, pulses), 3.0) << text;
  EXPECT_EQ(sample(text, "rfneedle_pulses_delivered_total"), 3.0);
  EXPECT_EQ(sample(text, "rfneedle_energy_delivered_joules_total"), 1.5);
  EXPECT_EQ(sample(text, R"(rfneedle_link_retransmissions_total{board="generator"})"), 7.0);
  EXPECT_EQ(sample(text, R"(rfneedle_link_errors_total{board="actuator",kind="crc"})"), 4.0);
  gateway.pulses[treatment][completed] = 5;
  EXPECT_EQ(sample(book.scrape(inputs()), pulses), 5.0);
  // Started is not an outcome: no series for it.
  EXPECT_THAT(text, Not(HasSubstr(R"(outcome="started")")));
}

TEST_F(MetricsBookTest, HistogramsCopyTheSafetyThreadsBucketsInSeconds) {
  loop.rf_off_commanded.observe(std::chrono::microseconds(40));   // le 50 us
  loop.rf_off_commanded.observe(std::chrono::microseconds(900));  // le 1 ms
  (void)book.scrape(inputs());
  loop.rf_off_commanded.observe(std::chrono::microseconds(40));
  const std::string text = book.scrape(inputs());
  EXPECT_EQ(sample(text, R"(rfneedle_rf_off_commanded_seconds_bucket{le="2.5e-05"})"), 0.0)
      << text;
  EXPECT_EQ(sample(text, R"(rfneedle_rf_off_commanded_seconds_bucket{le="5e-05"})"), 2.0);
  EXPECT_EQ(sample(text, R"(rfneedle_rf_off_commanded_seconds_bucket{le="0.001"})"), 3.0);
  EXPECT_EQ(sample(text, R"(rfneedle_rf_off_commanded_seconds_bucket{le="+Inf"})"), 3.0);
  EXPECT_EQ(sample(text, "rfneedle_rf_off_commanded_seconds_count"), 3.0);
  EXPECT_NEAR(*sample(text, "rfneedle_rf_off_commanded_seconds_sum"), 980e-6, 1e-9);
}

TEST_F(MetricsBookTest, FaultsCountOnlyConditionsOnTheFaultRungOrAbove) {
  const core::Condition fault = first_on_rung(core::Action::kFault);
  const core::Condition warn = first_on_rung(core::Action::kWarn);
  const core::Condition lock = first_on_rung(core::Action::kServiceLock);
  const std::string series =
      "rfneedle_faults_total{condition=\"" + std::string(core::spec(fault).name) + "\"}";
  const std::string lock_series =
      "rfneedle_faults_total{condition=\"" + std::string(core::spec(lock).name) + "\"}";
  // Every fault-rung series is there at 0 before its first fault, so increase() sees it.
  const std::string before = book.scrape(inputs());
  EXPECT_EQ(sample(before, series), 0.0) << before;
  EXPECT_EQ(sample(before, lock_series), 0.0) << before;
  StoredEvent raised;
  raised.kind = core::EventKind::kConditionRaised;
  raised.condition = fault;
  book.on_event(raised);
  book.on_event(raised);
  raised.condition = warn;
  book.on_event(raised);
  StoredEvent cleared = raised;
  cleared.kind = core::EventKind::kConditionCleared;
  cleared.condition = fault;
  book.on_event(cleared);
  const std::string text = book.scrape(inputs());
  EXPECT_EQ(sample(text, "rfneedle_faults_total{condition=\"" +
                             std::string(core::spec(fault).name) + "\"}"),
            2.0)
      << text;
  EXPECT_THAT(text, Not(HasSubstr("condition=\"" + std::string(core::spec(warn).name) + "\"")));
}

TEST_F(MetricsBookTest, AlarmsCartridgeAndCalibrationFromTheSnapshot) {
  status.in_effect.set(core::index(first_on_rung(core::Action::kFault)));  // high
  status.in_effect.set(core::index(first_on_rung(core::Action::kWarn)));   // low
  std::string text = book.scrape(inputs());
  EXPECT_EQ(sample(text, R"(rfneedle_active_alarms{priority="high"})"), 1.0) << text;
  EXPECT_EQ(sample(text, R"(rfneedle_active_alarms{priority="low"})"), 1.0);
  EXPECT_EQ(sample(text, R"(rfneedle_active_alarms{priority="medium"})"), 0.0);
  EXPECT_THAT(text, Not(HasSubstr("rfneedle_cartridge_pulses_left ")));
  EXPECT_THAT(text, Not(HasSubstr("rfneedle_calibration_due_timestamp_seconds ")));

  core::CartridgeInfo cartridge;
  cartridge.pulse_limit = 300;
  cartridge.pulses_used = 120;
  status.cartridge = cartridge;
  core::CalibrationRecord calibration;
  calibration.due_day = 20'030;
  status.calibration = calibration;
  text = book.scrape(inputs());
  EXPECT_EQ(sample(text, "rfneedle_cartridge_pulses_left"), 180.0) << text;
  EXPECT_EQ(sample(text, "rfneedle_calibration_due_timestamp_seconds"), 20'030 * 86'400.0);

  status.cartridge.reset();  // removed: no stale value
  EXPECT_THAT(book.scrape(inputs()), Not(HasSubstr("rfneedle_cartridge_pulses_left ")));
}

TEST_F(MetricsBookTest, QueueDepthsAndBuildInfo) {
  ASSERT_TRUE(channels.events.try_push(PublishedEvent{}));
  ASSERT_TRUE(channels.events.try_push(PublishedEvent{}));
  const std::string text = book.scrape(inputs());
  EXPECT_EQ(sample(text, R"(rfneedle_queue_depth{queue="events"})"), 2.0) << text;
  EXPECT_EQ(sample(text, R"(rfneedle_queue_capacity{queue="events"})"), 512.0);
  EXPECT_EQ(sample(text, R"(rfneedle_build_info{configuration_hash="cafe",protocol_hash="0123456789abcdef",version="1.2.3+abc"})"),
            1.0);
}

TEST_F(MetricsBookTest, EveryNameFollowsPrometheusConventions) {
  status.cartridge = core::CartridgeInfo{};
  status.calibration = core::CalibrationRecord{};
  status.calibration->due_day = 1;
  StoredEvent raised;
  raised.kind = core::EventKind::kConditionRaised;
  raised.condition = first_on_rung(core::Action::kFault);
  book.on_event(raised);
  const std::string text = book.scrape(inputs());
  const std::regex type_line(R"(^# TYPE (\S+) (\S+)$)");
  std::istringstream lines(text);
  int families = 0;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, type_line)) {
      continue;
    }
    ++families;
    const std::string name = m[1];
    EXPECT_TRUE(name.starts_with("rfneedle_")) << name;
    EXPECT_EQ(m[2] == "counter", name.ends_with("_total")) << name << " is a " << m[2];
    EXPECT_THAT(name, Not(HasSubstr("_ms"))) << "base units: seconds";
    EXPECT_THAT(name, Not(HasSubstr("_us")));
    EXPECT_THAT(name, Not(HasSubstr("millijoule")));
  }
  EXPECT_GE(families, 25);
  // promtool, Prometheus's own linter (tools/dev installs Debian's prometheus).
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("rfneedle-metrics-" + std::to_string(::getpid()));
  std::ofstream(file) << text;
  const std::string command = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  for (char buffer[256]; std::fgets(buffer, sizeof buffer, pipe) != nullptr;) {
    output += buffer;
  }
  const int status_code = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status_code, 0) << "promtool check metrics:\n" << output << "\n" << text;
}

}  // namespace
}  // namespace rfneedle::daemon
