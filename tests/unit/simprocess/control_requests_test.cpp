#include "simulator/process/control_requests.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rfneedle::sim {
namespace {

using ::testing::HasSubstr;

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

TEST_F(ControlRequestsTest, StatusReportsGroundTruthFields) {
  device.tick(Instant(milliseconds(1)));
  const std::string status = requests.execute(parsed("status"), Instant(milliseconds(1)));
  for (const char* field : {"\"rf_on\":false", "\"relay_closed\":false",
                            "\"tissue_temp_mdegc\":", "\"skin_temp_mdegc\":",
                            "\"pulse_energy_uj\":", "\"needle_position_um\":", "\"estop\":false"}) {
    EXPECT_THAT(status, HasSubstr(field));
  }
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

}  // namespace
}  // namespace rfneedle::sim
