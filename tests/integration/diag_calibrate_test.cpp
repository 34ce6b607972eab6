// rfneedle-diag calibrate rf against the simulated calibration fixture (docs/api.md,
// "Calibration"; SR-66): a calibration that passes and is recorded, one refused without the
// fixture, one that detects a simulated power drift.
#include "tests/integration/diag_cli_fixture.h"

namespace rfneedle::testing {
namespace {

using ::testing::HasSubstr;

// Verifies: SR-66
TEST_F(DiagCliTest, CalibrationIsRefusedWithoutTheFixtureAndRecordedWithIt) {
  on_undisturbed_device({}, [&] {
    RunResult r = diag({"calibrate", "rf", "--yes", "--loads", "0", "--powers", "10000"});
    if (host_disturbed()) return false;
    EXPECT_EQ(r.status, 5) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("fixture"));

    device_->control("cartridge fixture");
    r = diag({"calibrate", "rf", "--yes", "--loads", "0,3", "--powers", "5000,10000", "--json"});
    if (host_disturbed()) return false;
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    diag::CalibrationOutcome outcome;
    EXPECT_EQ(parse_error(r.out, outcome), "") << r.out;
    EXPECT_TRUE(outcome.passed());
    EXPECT_EQ(outcome.steps_size(), 4);
    for (const auto& step : outcome.steps())
      EXPECT_TRUE(step.run().passed()) << step.run().reason();
    EXPECT_TRUE(outcome.record().passed());
    EXPECT_FALSE(outcome.record().generator_serial().empty());
    EXPECT_EQ(outcome.record().calibration().fixture_serial(), "9001");
    EXPECT_EQ(outcome.record().calibration().fixture_meter_due_on(), "2029-12-31");
    EXPECT_FALSE(outcome.record().calibration().due_on().empty());
    EXPECT_NEAR(outcome.record().calibration().power_correction_ppm(), 1'005'000, 10'000);
    r = diag({"status", "--json"});
    api::Status status;
    EXPECT_EQ(parse_error(r.out, status), "");
    EXPECT_EQ(status.state(), api::STATE_STANDBY);  // left Service again
    EXPECT_EQ(status.calibration().record_id(), outcome.record().id());
    return true;
  });
}

// Verifies: SR-66
TEST_F(DiagCliTest, CalibrationDetectsASimulatedPowerDrift) {
  on_undisturbed_device({}, [&] {
    device_->control("cartridge fixture");
    // The RF stage departs 50 % from its set-point within a tick.
    RunResult r =
        diag({"sim", "faults", "inject", "power-drift", "rate=100000", "limit=50", "--yes"});
    EXPECT_EQ(r.status, 0) << r.err;
    if (host_disturbed()) return false;
    r = diag({"calibrate", "rf", "--yes", "--loads", "1", "--powers", "10000"});
    if (host_disturbed()) return false;
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("FAILED"));
    EXPECT_THAT(r.err, HasSubstr("FAILED"));
    return true;
  });
}

}  // namespace
}  // namespace rfneedle::testing

namespace rfneedle::testing {
namespace {

// Verifies: SR-66
TEST_F(DiagCliTest, CalibrationIsRefusedForAnOverdueFixture) {
  on_undisturbed_device({}, [&] {
    device_->control("cartridge fixture meter_due=2020-01-01");
    RunResult r = diag({"calibrate", "rf", "--yes", "--loads", "0", "--powers", "10000"});
    if (host_disturbed()) return false;
    EXPECT_EQ(r.status, 5) << r.out << r.err;
    EXPECT_THAT(r.err, ::testing::HasSubstr("due date"));
    r = diag({"status", "--json"});
    api::Status status;
    EXPECT_EQ(parse_error(r.out, status), "");
    EXPECT_EQ(status.state(), api::STATE_STANDBY);  // left Service again
    EXPECT_FALSE(status.has_calibration());
    return true;
  });
}

}  // namespace
}  // namespace rfneedle::testing
