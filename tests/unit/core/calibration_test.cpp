// Calibration (DESIGN 4): Service only, into the fixture only, at most 2 J per pulse,
// ±10 % against the reference meter, correction with its date and a 6-month due date.
#include <gtest/gtest.h>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

CalibrationRequest fixture_run() {
  CalibrationRequest r;
  r.fixture.kind = CartridgeKind::kCalibrationFixture;
  r.fixture.max_depth = Micrometres{1000};
  r.power = watts(10);
  r.duration = milliseconds(100);  // 1 J
  return r;
}

bool in_service(Rig& rig) { return rig.power_on() && rig.core.enter_service(rig.now()).ok(); }

// Verifies: SR-66
TEST(Calibration, IsRefusedOutsideService) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  EXPECT_FALSE(rig.core.calibrate(fixture_run(), rig.now()).ok());
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
}

// Verifies: SR-66
TEST(Calibration, DeliversOnlyIntoAFixtureAndAtMost2J) {
  Rig rig;
  ASSERT_TRUE(in_service(rig));
  CalibrationRequest r = fixture_run();
  r.fixture.kind = CartridgeKind::kFace;
  EXPECT_EQ(rig.core.calibrate(r, rig.now()).field, "fixture");
  r = fixture_run();
  r.power = Milliwatts{20'001};  // 2.0001 J
  EXPECT_EQ(rig.core.calibrate(r, rig.now()).field, "power");
  r.power = watts(20);
  EXPECT_TRUE(rig.core.calibrate(r, rig.now()).ok());
}

// Verifies: SR-66
TEST(Calibration, AReadingWithinTenPercentStoresTheCorrectionDueInSixMonths) {
  Rig rig;
  ASSERT_TRUE(in_service(rig));
  rig.clear_logs();
  ASSERT_TRUE(rig.core.calibrate(fixture_run(), rig.now()).ok());
  rig.run(milliseconds(400));
  ASSERT_EQ(rig.sent_of<DeliverPulse>().size(), 1u);
  EXPECT_EQ(rig.boards.gen.sample.energy, millijoules(1000));
  EXPECT_EQ(rig.boards.motion_while_rf, 0);
  EXPECT_EQ(rig.core.state(), State::kService);
  rig.core.on_calibration_reading(millijoules(1090), rig.now());
  rig.drain();
  ASSERT_EQ(rig.records.size(), 2u);
  EXPECT_EQ(rig.records[1].kind, PulseKind::kCalibration);
  EXPECT_EQ(rig.records[1].delivered_energy, millijoules(1000));
  ASSERT_TRUE(rig.core.complete_calibration(20'000, rig.now()).ok());
  rig.drain();
  const auto& record = rig.core.status().calibration;
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->power_correction_ppm, 1'090'000);
  EXPECT_EQ(record->calibrated_day, 20'000);
  EXPECT_EQ(record->due_day, 20'182);
  const auto configures = rig.sent_of<Configure>();
  ASSERT_FALSE(configures.empty());
  EXPECT_EQ(std::get<Configure>(configures.back().command).power_correction_ppm, 1'090'000);
}

// Verifies: SR-66
TEST(Calibration, AReadingOffByMoreThanTenPercentFailsAndChangesNothing) {
  Rig rig;
  ASSERT_TRUE(in_service(rig));
  ASSERT_TRUE(rig.core.calibrate(fixture_run(), rig.now()).ok());
  rig.run(milliseconds(400));
  rig.core.on_calibration_reading(Microjoules{1'111'200}, rig.now());  // generator 10 % low
  rig.clear_logs();
  EXPECT_FALSE(rig.core.complete_calibration(20'000, rig.now()).ok());
  rig.drain();
  EXPECT_FALSE(rig.core.status().calibration.has_value());
  EXPECT_TRUE(rig.sent_of<Configure>().empty());
}

// Verifies: SR-66, SR-06
TEST(Calibration, PermitsRfOnlyForItsOwnPulseAndNeverUncommanded) {
  Rig rig;
  ASSERT_TRUE(in_service(rig));
  rig.clear_logs();
  ASSERT_TRUE(rig.core.calibrate(fixture_run(), rig.now()).ok());
  rig.run(milliseconds(400));
  EXPECT_FALSE(rig.raised(Condition::kRfUncommanded));
  int permitted = 0;
  for (const auto& s : rig.sent) {
    if (const auto* h = std::get_if<Heartbeat>(&s.command); h && h->rf_permitted) ++permitted;
  }
  EXPECT_GE(permitted, 1);
  EXPECT_LE(permitted, 25);  // the pulse's 100 ms of heartbeats, and the one before it
  EXPECT_FALSE(rig.core.rf_permitted());
}

}  // namespace
}  // namespace rfneedle::core::testing
