// Calibration (DESIGN 4): Service only, into the fixture only, at most 2 J per pulse,
// ±10 % against the reference meter, correction with its date and a 6-month due date.
#include <gtest/gtest.h>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

constexpr std::int32_t kToday = 20'000;

CartridgeInfo fixture(std::string_view serial = "FX-7") {
  CartridgeInfo c;
  c.kind = CartridgeKind::kCalibrationFixture;
  c.needle_count = 0;
  c.max_depth = Micrometres{1000};
  c.pulse_limit = 1'000'000;
  c.expiry_day = kToday + 1000;
  c.serial = CartridgeSerial(serial);
  c.meter_due_day = kToday + 30;
  return c;
}

CalibrationRequest fixture_run(std::uint32_t load = 0) {
  CalibrationRequest r;
  r.load_index = load;
  r.power = watts(10);
  r.duration = milliseconds(100);  // 1 J
  r.today = kToday;
  return r;
}

bool in_service(Rig& rig, const CartridgeInfo& attached = fixture()) {
  rig.boards.act.cartridge = attached;
  return rig.power_on() && rig.core.enter_service(rig.now()).ok();
}

// Attaches another cartridge and lets the core read its memory.
void attach(Rig& rig, const CartridgeInfo& c) {
  rig.boards.act.cartridge = c;
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
}

// One run whose reference meter reads `reference` (the fake generator delivers exactly
// the plan, 1 J).
void run_load(Rig& rig, Microjoules reference, std::uint32_t load = 0) {
  ASSERT_TRUE(rig.core.calibrate(fixture_run(load), rig.now()).ok());
  rig.run(milliseconds(400));
  rig.core.on_calibration_reading(reference, rig.now());
  rig.drain();
}

// Verifies: SR-66
TEST(Calibration, IsRefusedOutsideService) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  EXPECT_FALSE(rig.core.calibrate(fixture_run(), rig.now()).ok());
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
}

// Verifies: SR-66
TEST(Calibration, DeliversOnlyIntoAnAttachedFixtureAndAtMost2J) {
  Rig rig;
  ASSERT_TRUE(in_service(rig, FakeActuator::face_cartridge()));
  rig.clear_logs();
  EXPECT_EQ(rig.core.calibrate(fixture_run(), rig.now()).field, "fixture");
  rig.boards.act.cartridge = fixture();
  rig.core.on_cartridge_changed(rig.now());  // its memory not read yet: nothing known
  const Response unread = rig.core.calibrate(fixture_run(), rig.now());
  EXPECT_EQ(unread.field, "fixture");
  EXPECT_EQ(unread.reason, "no calibration fixture attached");
  rig.drain();
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  CalibrationRequest r = fixture_run();
  r.power = Milliwatts{20'001};  // 2.0001 J
  EXPECT_EQ(rig.core.calibrate(r, rig.now()).field, "power");
  r.power = watts(20);
  const Response two_joules = rig.core.calibrate(r, rig.now());
  EXPECT_TRUE(two_joules.ok()) << two_joules.reason;
}

// Verifies: SR-66, SR-19
TEST(Calibration, TheGeneratorsEnergyCapHasTheUsualMarginButNeverExceeds2J) {
  Rig rig;
  ASSERT_TRUE(in_service(rig));
  rig.clear_logs();
  run_load(rig, millijoules(1000));  // 1 J planned
  CalibrationRequest two_joules = fixture_run(1);
  two_joules.power = watts(20);
  ASSERT_TRUE(rig.core.calibrate(two_joules, rig.now()).ok());
  rig.run(milliseconds(400));
  const auto pulses = rig.sent_of<DeliverPulse>();
  ASSERT_EQ(pulses.size(), 2u);
  EXPECT_EQ(std::get<DeliverPulse>(pulses[0].command).energy_cap, millijoules(1100));
  EXPECT_EQ(std::get<DeliverPulse>(pulses[1].command).energy_cap, millijoules(2000));
}

// Verifies: SR-66
TEST(Calibration, RefusesAFixtureWhoseReferenceMeterIsOverdueOrUndated) {
  Rig rig;
  CartridgeInfo overdue = fixture();
  overdue.meter_due_day = kToday - 1;
  ASSERT_TRUE(in_service(rig, overdue));
  const Response late = rig.core.calibrate(fixture_run(), rig.now());
  EXPECT_EQ(late.field, "fixture");
  EXPECT_EQ(late.reason, "the fixture's reference meter is past its calibration due date");
  CartridgeInfo undated = fixture();
  undated.meter_due_day = 0;
  attach(rig, undated);
  EXPECT_EQ(rig.core.calibrate(fixture_run(), rig.now()).field, "fixture");
  CartridgeInfo due_today = fixture();
  due_today.meter_due_day = kToday;  // its due day is the last usable one
  attach(rig, due_today);
  EXPECT_TRUE(rig.core.calibrate(fixture_run(), rig.now()).ok());
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
  // The load was selected before the pulse, and the meter read again after it.
  EXPECT_EQ(rig.sent_of<CalibrationMeasurement>().size(), 2u);
  EXPECT_TRUE(rig.core.status().calibration_progress.running);
  rig.core.on_calibration_reading(millijoules(1090), rig.now());
  rig.drain();
  const CalibrationProgress& progress = rig.core.status().calibration_progress;
  EXPECT_FALSE(progress.running);
  EXPECT_EQ(progress.passed, 1);
  ASSERT_TRUE(progress.last.has_value());
  EXPECT_EQ(progress.last->correction_ppm, 1'090'000);
  ASSERT_EQ(rig.records.size(), 2u);
  EXPECT_EQ(rig.records[1].kind, PulseKind::kCalibration);
  EXPECT_EQ(rig.records[1].delivered_energy, millijoules(1000));
  ASSERT_TRUE(rig.core.complete_calibration(kToday, rig.now()).ok());
  rig.drain();
  const auto& record = rig.core.status().calibration;
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->power_correction_ppm, 1'090'000);
  EXPECT_EQ(record->calibrated_day, kToday);
  EXPECT_EQ(record->due_day, kToday + 182);
  EXPECT_EQ(record->fixture_serial.view(), "FX-7");
  EXPECT_EQ(record->fixture_meter_due_day, kToday + 30);
  EXPECT_EQ(rig.core.status().calibration_progress.passed, 0);  // the next one starts over
  const auto configures = rig.sent_of<Configure>();
  ASSERT_FALSE(configures.empty());
  EXPECT_EQ(std::get<Configure>(configures.back().command).power_correction_ppm, 1'090'000);
}

// Verifies: SR-66
TEST(Calibration, TakesOnlyTheMeterReadingOfItsOwnPulse) {
  Rig rig;
  ASSERT_TRUE(in_service(rig));
  ASSERT_TRUE(rig.core.calibrate(fixture_run(), rig.now()).ok());
  // The load selection's answer reads the meter too: a reading of no pulse of this run.
  rig.core.on_calibration_reading(millijoules(500), rig.now());
  rig.run(milliseconds(400));
  EXPECT_TRUE(rig.core.status().calibration_progress.running);
  EXPECT_EQ(rig.core.status().calibration_progress.failed, 0);
  rig.core.on_calibration_reading(millijoules(1010), rig.now());
  rig.drain();
  ASSERT_TRUE(rig.core.status().calibration_progress.last.has_value());
  EXPECT_TRUE(rig.core.status().calibration_progress.last->passed);
  EXPECT_EQ(rig.core.status().calibration_progress.last->reference_energy, millijoules(1010));
}

// Verifies: SR-66
TEST(Calibration, AReadingOffByMoreThanTenPercentFailsAndChangesNothing) {
  Rig rig;
  ASSERT_TRUE(in_service(rig));
  run_load(rig, Microjoules{1'111'200});  // generator 10 % low
  const CalibrationProgress& progress = rig.core.status().calibration_progress;
  EXPECT_EQ(progress.failed, 1);
  ASSERT_TRUE(progress.last.has_value());
  EXPECT_EQ(progress.last->reason, "off the reference meter by more than the tolerance");
  rig.clear_logs();
  EXPECT_FALSE(rig.core.complete_calibration(kToday, rig.now()).ok());
  rig.drain();
  EXPECT_FALSE(rig.core.status().calibration.has_value());
  EXPECT_TRUE(rig.sent_of<Configure>().empty());
}

// Verifies: SR-66
TEST(Calibration, ANewCorrectionCorrectsTheOneTheGeneratorAppliedDuringTheRuns) {
  Rig rig;
  CalibrationRecord in_force;
  in_force.power_correction_ppm = 1'050'000;
  in_force.calibrated_day = kToday - 180;
  in_force.due_day = kToday + 2;
  rig.core.restore_calibration(in_force, rig.now());
  ASSERT_TRUE(in_service(rig));
  run_load(rig, millijoules(1020), 0);
  run_load(rig, millijoules(1000), 1);
  ASSERT_TRUE(rig.core.complete_calibration(kToday, rig.now()).ok());
  // 1.05 × mean(1.02, 1.00) = 1.0605
  EXPECT_EQ(rig.core.status().calibration->power_correction_ppm, 1'060'500);
}

// Verifies: SR-66
TEST(Calibration, ACorrectionOutsideTheGeneratorsRangeIsNotRecorded) {
  Rig rig;
  CalibrationRecord in_force;
  in_force.power_correction_ppm = 1'080'000;
  in_force.calibrated_day = kToday - 180;
  in_force.due_day = kToday + 2;
  rig.core.restore_calibration(in_force, rig.now());
  ASSERT_TRUE(in_service(rig));
  run_load(rig, millijoules(1050));  // within tolerance, but 1.08 × 1.05 = 1.134
  rig.clear_logs();
  const Response r = rig.core.complete_calibration(kToday, rig.now());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.reason, "the correction is outside the generator's ±10 % range: nothing changed");
  rig.drain();
  EXPECT_EQ(rig.core.status().calibration->power_correction_ppm, 1'080'000);
  EXPECT_TRUE(rig.sent_of<Configure>().empty());
}

// Verifies: SR-66
TEST(Calibration, CompletesOnlyWithTheFixtureTheRunsUsed) {
  Rig rig;
  ASSERT_TRUE(in_service(rig));
  run_load(rig, millijoules(1010));
  attach(rig, fixture("FX-8"));
  EXPECT_EQ(rig.core.calibrate(fixture_run(1), rig.now()).field, "fixture");
  const Response r = rig.core.complete_calibration(kToday, rig.now());
  EXPECT_EQ(r.reason, "the fixture the runs used is not attached: nothing changed");
  EXPECT_FALSE(rig.core.status().calibration.has_value());
}

// Verifies: SR-66
TEST(Calibration, AnotherGeneratorsRestoreLeavesNoCalibrationInForceAndSaysSo) {
  Rig rig;
  CalibrationRecord stored;
  stored.power_correction_ppm = 1'004'000;
  stored.calibrated_day = kToday;
  stored.due_day = kToday + 182;
  rig.core.restore_calibration(stored, rig.now());
  rig.drain();
  ASSERT_TRUE(rig.core.status().calibration.has_value());
  ASSERT_EQ(rig.events.size(), 1u);
  EXPECT_EQ(rig.events[0].kind, EventKind::kCalibrationResult);
  EXPECT_EQ(rig.events[0].value, 1'004'000);
  stored.record_id = 12;  // the same calibration, now with its store ID: no news
  rig.core.restore_calibration(stored, rig.now());
  rig.drain();
  EXPECT_EQ(rig.events.size(), 1u);
  EXPECT_EQ(rig.core.status().calibration->record_id, 12u);
  rig.core.restore_calibration(std::nullopt, rig.now());
  rig.drain();
  EXPECT_FALSE(rig.core.status().calibration.has_value());
  ASSERT_EQ(rig.events.size(), 2u);
  EXPECT_EQ(rig.events[1].severity, Severity::kWarningLow);
  EXPECT_EQ(rig.events[1].text, "no calibration in force for this generator (none stored for its serial)");
  // The generator's next configure carries no correction.
  ASSERT_TRUE(rig.power_on());
  const auto configures = rig.sent_of<Configure>();
  ASSERT_FALSE(configures.empty());
  EXPECT_EQ(std::get<Configure>(configures.back().command).power_correction_ppm, 1'000'000);
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
