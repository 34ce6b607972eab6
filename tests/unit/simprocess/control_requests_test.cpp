#include "simulator/process/control_requests.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

namespace rfneedle::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SimCommand parsed(std::string_view line) { return std::get<SimCommand>(parse_sim_command(line)); }

class ControlRequestsTest : public ::testing::Test {
 protected:
  SimulatedDevice device{SimulatedDeviceOptions{}};
  ControlRequests requests{device};
};

TEST_F(ControlRequestsTest, InjectedFaultsShowInStatusUntilTheyEndOrAreCleared) {
  const Instant t0 = Instant(milliseconds(10));
  EXPECT_EQ(requests.execute(parsed("inject impedance-open for=100ms"), t0),
            R"({"ok":true,"injected":"impedance-open"})");
  EXPECT_EQ(requests.execute(parsed("inject motor-stall"), t0),
            R"({"ok":true,"injected":"motor-stall"})");
  EXPECT_THAT(requests.execute(parsed("status"), t0 + milliseconds(50)),
              HasSubstr(R"("active_faults":["impedance-open","motor-stall"])"));
  EXPECT_THAT(requests.execute(parsed("status"), t0 + milliseconds(100)),
              HasSubstr(R"("active_faults":["motor-stall"])"));
  device.tick(t0 + milliseconds(100));  // the device acts at the latest time it was given
  EXPECT_EQ(requests.execute(parsed("clear all"), t0 + milliseconds(100)),
            R"({"ok":true,"cleared":1})");
  EXPECT_THAT(requests.execute(parsed("status"), t0 + milliseconds(101)),
              HasSubstr(R"("active_faults":[])"));
}

TEST_F(ControlRequestsTest, StatusReportsHowLateTheSimulatorsTicksWoke) {
  const Instant t = Instant(milliseconds(1));
  EXPECT_THAT(
      requests.execute(parsed("status"), t),
      HasSubstr(R"("late_ticks":0,"starved_ticks":0,"worst_tick_late_us":0,"clock_steps":0,)"));
  requests.tick_woke_late(microseconds(300));
  requests.tick_woke_late(microseconds(3800));
  requests.tick_woke_late(microseconds(1000));  // 1 ms is not late
  requests.tick_woke_late(microseconds(1500));
  requests.tick_woke_late(microseconds(2000));  // 2 ms is late, not starved
  requests.clock_stepped();
  EXPECT_THAT(
      requests.execute(parsed("status"), t),
      HasSubstr(R"("late_ticks":3,"starved_ticks":1,"worst_tick_late_us":3800,"clock_steps":1,)"));
}

TEST_F(ControlRequestsTest, StatusSaysWhenEachBoardLastReceivedAValidFrame) {
  // No frame yet: each board's dead-man counts from its start.
  EXPECT_THAT(requests.execute(parsed("status"), Instant(milliseconds(5))),
              HasSubstr(R"("generator_last_frame_us":0,"actuator_last_frame_us":0})"));
}

TEST_F(ControlRequestsTest, HistoryListsEveryInjectionWithWhenItBeganAndEnded) {
  const Instant t0 = Instant(milliseconds(10));
  EXPECT_EQ(requests.execute(parsed("history"), t0),
            R"({"ok":true,"sim_time_us":10000,"pulses":[],"injections":[]})");
  (void)requests.execute(parsed("inject impedance-open for=100ms"), t0);
  (void)requests.execute(parsed("inject motor-stall"), t0 + milliseconds(5));
  (void)requests.execute(parsed("clear motor-stall"), t0 + milliseconds(20));
  (void)requests.execute(parsed("inject skin-heating"), t0 + milliseconds(30));
  EXPECT_EQ(requests.execute(parsed("history"), t0 + milliseconds(40)),
            R"({"ok":true,"sim_time_us":50000,"pulses":[],"injections":[)"
            R"({"n":1,"name":"impedance-open","at_us":10000,"until_us":110000},)"
            R"({"n":2,"name":"motor-stall","at_us":15000,"until_us":30000},)"
            R"({"n":3,"name":"skin-heating","at_us":40000,"until_us":null}]})");
}

TEST_F(ControlRequestsTest, HistoryKeepsTheLatestInjections) {
  for (std::size_t i = 0; i < ControlRequests::kHistoryLength + 3; ++i) {
    (void)requests.execute(parsed("inject motor-stall for=1ms"), Instant(milliseconds(1)));
  }
  const std::string history = requests.execute(parsed("history"), Instant(milliseconds(2)));
  EXPECT_THAT(history, HasSubstr(R"("injections":[{"n":4,)"));
  EXPECT_THAT(history, HasSubstr(R"({"n":259,)"));
  EXPECT_THAT(history, Not(HasSubstr(R"({"n":3,)")));
}

TEST_F(ControlRequestsTest, StatusReportsGroundTruthFields) {
  device.tick(Instant(milliseconds(1)));
  const std::string status = requests.execute(parsed("status"), Instant(milliseconds(1)));
  for (const char* field : {"\"rf_on\":false", "\"relay_closed\":false",
                            "\"tissue_temp_mdegc\":", "\"skin_temp_mdegc\":",
                            "\"pulse_energy_uj\":", "\"needle_position_um\":", "\"estop\":false"}) {
    EXPECT_THAT(status, HasSubstr(field));
  }
}

TEST_F(ControlRequestsTest, StatusReportsEachBoardsCountersAsCountersQueryWould) {
  const std::array<std::uint8_t, 3> garbage = {0x02, 0x11, 0x00};  // too short: framing
  device.generator_bytes_in(garbage, Instant(milliseconds(1)));
  device.tick(Instant(milliseconds(2)));
  const std::string status = requests.execute(parsed("status"), Instant(milliseconds(2)));
  EXPECT_THAT(status, HasSubstr(R"("generator_counters":{"lifetime_pulses":0,)"
                                R"("lifetime_energy_mj":0,"boot_count":1,"uptime_us":2000,)"
                                R"("link":{"frames_received":0,"frames_sent":0,)"
                                R"("framing_errors":1,"oversize_errors":0,"crc_errors":0,)"
                                R"("version_errors":0,"payload_errors":0,"retransmissions":0,)"
                                R"("duplicates":0,"dead_man_trips":0}})"));
  EXPECT_THAT(status, HasSubstr(R"("actuator_counters":{"lifetime_pulses":0,)"
                                R"("cartridge_pulses":0,"boot_count":1,"uptime_us":2000,)"
                                R"("link":{"frames_received":0,)"));

  FaultParameters reboot(FaultKind::kBoardReboot);  // the generator, 200 ms
  device.inject(reboot, Instant(milliseconds(3)));
  device.tick(Instant(milliseconds(3)));
  EXPECT_THAT(requests.execute(parsed("status"), Instant(milliseconds(3))),
              HasSubstr(R"("generator_counters":null,)"));
}

TEST_F(ControlRequestsTest, EstopRequestDrivesTheHardWiredLine) {
  (void)requests.execute(parsed("estop press"), Instant(milliseconds(1)));
  EXPECT_TRUE(device.ground_truth().lines.estop);
  (void)requests.execute(parsed("estop release"), Instant(milliseconds(2)));
  EXPECT_FALSE(device.ground_truth().lines.estop);
}

TEST(ControlAnswers, ErrorsAreJsonWithTheMessageEscaped) {
  EXPECT_EQ(error_answer("bad \"quote\"\n"), R"({"ok":false,"error":"bad \"quote\"\u000a"})");
  EXPECT_THAT(fault_catalogue_json(), HasSubstr(R"("name":"skin-heating")"));
}

TEST(ControlAnswers, TheFaultListSeparatesEachValueFromItsUnit) {
  const std::string text = fault_catalogue_text();
  EXPECT_THAT(text, HasSubstr("link=both (both|generator|actuator)"));
  EXPECT_THAT(text, HasSubstr("rate=1 (a fraction, 0..1)"));
  EXPECT_THAT(text, HasSubstr("delay=30 ms (0..1000 ms)"));
  EXPECT_THAT(text, HasSubstr("rate=50 %/s (-95..1000 %/s)"));
  EXPECT_THAT(text, HasSubstr("contact_a=1 (flag: 0 or 1)"));
  EXPECT_THAT(text, Not(HasSubstr("1fraction")));
  EXPECT_THAT(text, Not(HasSubstr("30ms")));
}

}  // namespace
}  // namespace rfneedle::sim
