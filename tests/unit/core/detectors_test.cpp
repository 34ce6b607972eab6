// The detectors at their boundaries: just below, at and just above each threshold.
#include <gtest/gtest.h>

#include "controller/core/impedance_measurement.h"
#include "controller/core/pulse_monitor.h"
#include "controller/core/skin_temperature.h"
#include "controller/core/trigger_monitor.h"
#include "controller/core/withdrawal.h"

namespace rfneedle::core {
namespace {

Instant at_ms(int ms) { return Instant{} + milliseconds(ms); }

// Verifies: SR-46
TEST(Trigger, CountsAPressWhenTheSecondContactClosesWithin20ms) {
  TriggerMonitor t;
  (void)t.update(false, false, at_ms(0), milliseconds(20));
  (void)t.update(true, false, at_ms(1), milliseconds(20));
  EXPECT_TRUE(t.update(true, true, at_ms(21), milliseconds(20)).new_press);
}

// Verifies: SR-46
TEST(Trigger, IgnoresAPressWhoseContactsClose21msApart) {
  TriggerMonitor t;
  (void)t.update(false, false, at_ms(0), milliseconds(20));
  (void)t.update(true, false, at_ms(1), milliseconds(20));
  EXPECT_FALSE(t.update(true, true, at_ms(22), milliseconds(20)).new_press);
}

// Verifies: SR-46
TEST(Trigger, ContactsDisagreeingFor21msIsAFaultAt20msIsNot) {
  TriggerMonitor t;
  (void)t.update(false, false, at_ms(0), milliseconds(20));
  EXPECT_FALSE(t.update(true, false, at_ms(1), milliseconds(20)).disagree_fault);
  EXPECT_FALSE(t.update(true, false, at_ms(21), milliseconds(20)).disagree_fault);
  EXPECT_TRUE(t.update(true, false, at_ms(22), milliseconds(20)).disagree_fault);
}

// Verifies: SR-47
TEST(Trigger, AHeldTriggerGivesOnePressUntilBothContactsOpen) {
  TriggerMonitor t;
  (void)t.update(false, false, at_ms(0), milliseconds(20));
  EXPECT_TRUE(t.update(true, true, at_ms(1), milliseconds(20)).new_press);
  EXPECT_FALSE(t.update(true, true, at_ms(2), milliseconds(20)).new_press);
  (void)t.update(true, false, at_ms(3), milliseconds(20));
  EXPECT_FALSE(t.update(true, true, at_ms(4), milliseconds(20)).new_press);
  (void)t.update(false, false, at_ms(5), milliseconds(20));
  EXPECT_TRUE(t.update(true, true, at_ms(6), milliseconds(20)).new_press);
}

SkinTemperature::Reading skin(SkinTemperature& s, int a_mdeg, int b_mdeg, int ms) {
  return s.update(MilliCelsius{a_mdeg}, MilliCelsius{b_mdeg}, at_ms(ms), SkinLimits{},
                  ThermistorLimits{});
}

// Verifies: SR-24
TEST(SkinTemperature, UsesTheHigherThermistorAndWarnsAt41C) {
  SkinTemperature s;
  EXPECT_FALSE(skin(s, 39'000, 40'999, 0).warm);
  EXPECT_TRUE(skin(s, 39'000, 41'000, 1).warm);
  EXPECT_TRUE(skin(s, 41'000, 39'000, 2).warm);
}

// Verifies: SR-24
TEST(SkinTemperature, TheWarningClearsOnlyBelow40Point5CSoNoiseAtTheThresholdDoesNotChatter) {
  SkinTemperature s;
  ASSERT_TRUE(skin(s, 41'000, 39'000, 0).warm);
  for (int ms = 1; ms <= 20; ++ms) {  // a reading hovering at the threshold
    EXPECT_TRUE(skin(s, ms % 2 == 0 ? 41'050 : 40'900, 39'000, ms).warm) << ms;
  }
  EXPECT_TRUE(skin(s, 40'500, 39'000, 21).warm);
  EXPECT_FALSE(skin(s, 40'499, 39'000, 22).warm);
  EXPECT_FALSE(skin(s, 40'999, 39'000, 23).warm);
}

// Verifies: SR-25
TEST(SkinTemperature, BlocksAt43CAndClearsOnlyBelow40C) {
  SkinTemperature s;
  EXPECT_FALSE(skin(s, 42'999, 42'999, 0).hot);
  EXPECT_TRUE(skin(s, 43'000, 43'000, 1000).hot);
  EXPECT_TRUE(skin(s, 40'000, 40'000, 2000).hot);
  EXPECT_FALSE(skin(s, 39'999, 39'999, 3000).hot);
}

// Verifies: SR-26
TEST(SkinTemperature, FaultsAt45C) {
  SkinTemperature s;
  EXPECT_FALSE(skin(s, 44'999, 44'000, 0).overheat);
  EXPECT_TRUE(skin(s, 45'000, 44'000, 1000).overheat);
}

// Verifies: SR-28
TEST(SkinTemperature, ThermistorOutside5To90CIsImplausible) {
  SkinTemperature s;
  EXPECT_FALSE(skin(s, 5'000, 5'000, 0).out_of_range);
  EXPECT_TRUE(skin(s, 4'999, 5'000, 1000).out_of_range);
  EXPECT_TRUE(skin(s, 90'001, 90'000, 2000).out_of_range);
}

// Verifies: SR-28
TEST(SkinTemperature, ChangeOfMoreThan5COver100msIsImplausibleEitherWay) {
  SkinTemperature rising;
  for (int ms = 0; ms <= 100; ++ms) (void)skin(rising, 32'000, 32'000, ms);
  EXPECT_FALSE(skin(rising, 37'000, 37'000, 110).rate);
  EXPECT_TRUE(skin(rising, 37'001, 37'000, 111).rate);
  SkinTemperature falling;
  for (int ms = 0; ms <= 100; ++ms) (void)skin(falling, 40'000, 40'000, ms);
  EXPECT_TRUE(skin(falling, 40'000, 34'000, 110).rate);
}

// Verifies: SR-28
TEST(SkinTemperature, PairDisagreeingBy3CFor500msIsImplausibleNot499) {
  SkinTemperature s;
  for (int ms = 0; ms <= 500; ++ms) {
    EXPECT_FALSE(skin(s, 33'000, 36'001, ms).disagree) << ms;
  }
  EXPECT_TRUE(skin(s, 33'000, 36'001, 501).disagree);
}

ImpedanceLimits window;
PowerLimits power;

// Verifies: SR-84
// Both unchanged: stuck once 3 J was delivered and then more than 3 s passed; at exactly
// 3 s, or with 1 uJ less, not.
TEST(SkinTemperature, BothUnchangedForMoreThan3sAfter3JAreStuck) {
  const ThermistorLimits limits;
  for (const auto& [energy, stuck_after] :
       {std::pair{Microjoules{2'999'999}, false}, std::pair{millijoules(3000), true}}) {
    SkinTemperature s;
    (void)skin(s, 32'000, 32'100, 0);
    s.on_energy_delivered(Microjoules{1'000'000}, at_ms(100), limits);
    s.on_energy_delivered(energy - Microjoules{1'000'000}, at_ms(1000), limits);
    EXPECT_FALSE(skin(s, 32'000, 32'100, 3999).stuck);
    EXPECT_FALSE(skin(s, 32'000, 32'100, 4000).stuck);
    EXPECT_EQ(skin(s, 32'000, 32'100, 4001).stuck, stuck_after) << energy.value();
    EXPECT_EQ(skin(s, 32'000, 32'100, 60'000).stuck, stuck_after) << energy.value();
  }
}

// Verifies: SR-84
// One LSB (1 m°C) of either thermistor is a live pair: the energy counts again from zero.
TEST(SkinTemperature, OneLsbOfEitherThermistorRestartsTheStuckCount) {
  const ThermistorLimits limits;
  for (const auto& [a, b] : {std::pair{32'001, 32'100}, std::pair{32'000, 32'099}}) {
    SkinTemperature s;
    (void)skin(s, 32'000, 32'100, 0);
    s.on_energy_delivered(millijoules(3000), at_ms(1000), limits);
    EXPECT_FALSE(skin(s, a, b, 3900).stuck);
    EXPECT_FALSE(skin(s, a, b, 60'000).stuck);
    s.on_energy_delivered(Microjoules{2'999'999}, at_ms(60'000), limits);
    EXPECT_FALSE(skin(s, a, b, 90'000).stuck);
    s.on_energy_delivered(Microjoules{1}, at_ms(90'000), limits);
    EXPECT_FALSE(skin(s, a, b, 93'000).stuck);
    EXPECT_TRUE(skin(s, a, b, 93'001).stuck);
  }
}

ImpedanceReading reading(int min, int max, std::uint32_t samples = 5) {
  return ImpedanceReading{Ohms{(min + max) / 2}, Ohms{min}, Ohms{max}, samples};
}
constexpr Millivolts k120V{120'000};

// Verifies: SR-10
TEST(ImpedanceMeasurement, AnySampleAbove1500OhmIsOutOfWindow) {
  EXPECT_EQ(judge_measurement(reading(300, 1500), watts(1), k120V, window),
            MeasurementVerdict::kAccepted);
  EXPECT_EQ(judge_measurement(reading(300, 1501), watts(1), k120V, window),
            MeasurementVerdict::kOutOfWindow);
}

// Verifies: SR-10
TEST(ImpedanceMeasurement, AnySampleBelow25OhmIsOutOfWindow) {
  EXPECT_EQ(judge_measurement(reading(25, 300), watts(1), k120V, window),
            MeasurementVerdict::kAccepted);
  EXPECT_EQ(judge_measurement(reading(24, 300), watts(1), k120V, window),
            MeasurementVerdict::kOutOfWindow);
}

// Verifies: SR-10, SR-57
TEST(ImpedanceMeasurement, FewerThanTwoSamplesIsAMeasurementThatDidNotRun) {
  EXPECT_EQ(judge_measurement(reading(300, 300, 2), watts(1), k120V, window),
            MeasurementVerdict::kAccepted);
  EXPECT_EQ(judge_measurement(reading(300, 300, 1), watts(1), k120V, window),
            MeasurementVerdict::kOutOfWindow);
  EXPECT_EQ(judge_measurement(reading(300, 300, 0), watts(1), k120V, window),
            MeasurementVerdict::kOutOfWindow);
}

// Verifies: SR-11
TEST(ImpedanceMeasurement, PlannedPowerMustBeReachableAt1Point4TimesTheHighestSample) {
  // 150 V into 1.4 × 1000 Ω carries at most 16.07 W.
  EXPECT_TRUE(power_reachable(Milliwatts{16'071}, Ohms{1000}, Millivolts{150'000}, 14));
  EXPECT_FALSE(power_reachable(Milliwatts{16'072}, Ohms{1000}, Millivolts{150'000}, 14));
  // 120 V into 1.4 × 1000 Ω: at most 10.28 W, judged on the highest sample.
  EXPECT_EQ(judge_measurement(reading(500, 1000), Milliwatts{10'285}, k120V, window),
            MeasurementVerdict::kAccepted);
  EXPECT_EQ(judge_measurement(reading(500, 1000), Milliwatts{10'286}, k120V, window),
            MeasurementVerdict::kUnreachable);
}

constexpr std::uint64_t kPulse = 7;

GeneratorSample rf_sample(int z, int mw, int uj = 0, std::uint64_t pulse_id = kPulse) {
  GeneratorSample s;
  s.pulse_id = pulse_id;
  s.rf_active = true;
  s.impedance = Ohms{z};
  s.power = Milliwatts{mw};
  s.energy = Microjoules{uj};
  return s;
}

// Verifies: SR-14
TEST(PulseMonitor, DesiccationIsMoreThan40PercentAboveThePulseMinimum) {
  PulseMonitor m;
  m.begin(watts(10), millijoules(1000), kPulse);
  (void)m.update(rf_sample(200, 10'000), true, at_ms(0), window, power);
  EXPECT_FALSE(m.update(rf_sample(280, 10'000), true, at_ms(1), window, power).desiccation);
  EXPECT_TRUE(m.update(rf_sample(281, 10'000), true, at_ms(2), window, power).desiccation);
}

// Verifies: SR-12, SR-13
TEST(PulseMonitor, ContactLostAndShortNeedTwoSamples) {
  PulseMonitor m;
  m.begin(watts(10), millijoules(1000), kPulse);
  EXPECT_FALSE(m.update(rf_sample(1501, 10'000), true, at_ms(0), window, power).contact_lost);
  EXPECT_TRUE(m.update(rf_sample(1501, 10'000), true, at_ms(1), window, power).contact_lost);
  PulseMonitor s;
  s.begin(watts(10), millijoules(1000), kPulse);
  EXPECT_FALSE(s.update(rf_sample(24, 10'000), true, at_ms(0), window, power).short_circuit);
  EXPECT_TRUE(s.update(rf_sample(24, 10'000), true, at_ms(1), window, power).short_circuit);
}

// Verifies: SR-15
TEST(PulseMonitor, PowerOffSetPointIsIgnoredDuringThe3msRampAndFaultsAfter5msMore) {
  PulseMonitor m;
  m.begin(watts(10), millijoules(1000), kPulse);
  // RF on at 0; 30 % low throughout. Blanking 0..2 ms; off-set-point from 3 ms; > 5 ms at 9.
  for (int ms = 0; ms <= 8; ++ms) {
    EXPECT_FALSE(m.update(rf_sample(300, 7'000), true, at_ms(ms), window, power).power_deviation)
        << ms;
  }
  EXPECT_TRUE(m.update(rf_sample(300, 7'000), true, at_ms(9), window, power).power_deviation);
}

// Verifies: SR-15
TEST(PulseMonitor, PowerWithin20PercentIsNeverADeviation) {
  PulseMonitor m;
  m.begin(watts(10), millijoules(1000), kPulse);
  for (int ms = 0; ms < 50; ++ms) {
    const int mw = ms % 2 ? 12'000 : 8'000;
    EXPECT_FALSE(m.update(rf_sample(300, mw), true, at_ms(ms), window, power).power_deviation);
  }
}

// Verifies: SR-16
TEST(PulseMonitor, EnergyAbove110PercentOfPlanIsAnOverrun) {
  PulseMonitor m;
  m.begin(watts(10), millijoules(1000), kPulse);
  EXPECT_FALSE(
      m.update(rf_sample(300, 10'000, 1'100'000), true, at_ms(0), window, power).energy_overrun);
  EXPECT_TRUE(
      m.update(rf_sample(300, 10'000, 1'100'001), true, at_ms(1), window, power).energy_overrun);
}

// Verifies: SR-16, SR-69
// Before the generator starts the pulse, or when it refuses it, its telemetry still
// reports the last pulse's energy under that pulse's ID: neither an overrun nor delivered.
TEST(PulseMonitor, EnergyCountsOnlyFromSamplesOfThisPulse) {
  PulseMonitor m;
  m.begin(watts(2), millijoules(200), kPulse);
  GeneratorSample last = rf_sample(0, 0, 2'500'000, kPulse - 1);
  last.rf_active = false;
  EXPECT_FALSE(m.update(last, false, at_ms(0), window, power).energy_overrun);
  EXPECT_EQ(m.delivered(), Microjoules{0});
  (void)m.update(rf_sample(300, 2'000, 2'000), true, at_ms(1), window, power);
  EXPECT_EQ(m.delivered(), Microjoules{2'000});
}

// Verifies: SR-16
// After the pulse left Energizing, its own samples still count until its record is made;
// another pulse's never do.
TEST(PulseMonitor, EnergyOfThisPulseCountsUntilItsRecordIsMade) {
  PulseMonitor m;
  m.begin(watts(10), millijoules(300), kPulse);
  (void)m.update(rf_sample(300, 10'000, 10'000), true, at_ms(1), window, power);
  GeneratorSample own = rf_sample(300, 0, 12'000);
  own.rf_active = false;
  m.account(own);
  m.account(rf_sample(300, 0, 1'000'000, kPulse - 1));
  EXPECT_EQ(m.delivered(), Microjoules{12'000});
}

GeneratorSample generator(bool rf) {
  GeneratorSample g;
  g.rf_active = rf;
  return g;
}
ActuatorSample actuator(bool rf_line, int position_um) {
  ActuatorSample a;
  a.rf_active_line = rf_line;
  a.encoder_position = Micrometres{position_um};
  a.motor_position = Micrometres{position_um};
  a.at_depth_line = position_um > 100;
  return a;
}

// Verifies: SR-30, SR-51
// The encoder reading home while the motor is still at depth (an encoder slipping for less
// than the 10 ms the disagreement check needs) is no retraction: the core retracts.
TEST(Withdrawal, AnEncoderAtHomeWithTheMotorStillAtDepthIsNotRetracted) {
  Withdrawal w;
  const PowerLimits p;
  const NeedleLimits n;
  w.begin(at_ms(0));
  w.on_generator(generator(false), watts(1));
  ActuatorSample slipping = actuator(false, 0);
  slipping.motor_position = Micrometres{4300};
  w.on_actuator(slipping, n.position_tolerance);
  EXPECT_FALSE(w.retracted());
  EXPECT_EQ(w.step(at_ms(1), false, p, n), Withdrawal::Step::kRfDropped);
  EXPECT_EQ(w.step(at_ms(2), false, p, n), Withdrawal::Step::kNone);
  w.on_actuator(actuator(false, 0), n.position_tolerance);
  EXPECT_EQ(w.step(at_ms(20), false, p, n), Withdrawal::Step::kRetracted);
}

// Verifies: SR-51
TEST(Withdrawal, RetractsOnlyAfterBothEndsSeeRfActiveLow) {
  Withdrawal w;
  const PowerLimits p;
  const NeedleLimits n;
  w.begin(at_ms(0));
  w.on_actuator(actuator(true, 2000), n.position_tolerance);
  w.on_generator(generator(false), watts(1));
  EXPECT_EQ(w.step(at_ms(1), false, p, n), Withdrawal::Step::kNone);
  w.on_actuator(actuator(false, 2000), n.position_tolerance);
  EXPECT_EQ(w.step(at_ms(2), false, p, n), Withdrawal::Step::kRfDropped);
  w.on_actuator(actuator(false, 0), n.position_tolerance);
  EXPECT_EQ(w.step(at_ms(20), false, p, n), Withdrawal::Step::kRetracted);
}

// Verifies: SR-39, SR-51
// The generator unplugged mid-pulse: its last sample, in flight when RF off was decided,
// still shows RF; then it is silent (its dead-man ends RF) and the actuator's copy of the
// line drops. The line decides: the needles are withdrawn and the record can be finished.
TEST(Withdrawal, ASilentGeneratorLeavesTheDecisionToTheLineWhateverItsLastSampleShowed) {
  Withdrawal w;
  const PowerLimits p;
  const NeedleLimits n;
  w.begin(at_ms(0));
  w.on_generator(generator(true), watts(1));
  w.on_actuator(actuator(true, 2000), n.position_tolerance);
  EXPECT_EQ(w.step(at_ms(1), false, p, n), Withdrawal::Step::kNone);
  w.on_actuator(actuator(false, 2000), n.position_tolerance);
  EXPECT_EQ(w.step(at_ms(2), false, p, n), Withdrawal::Step::kNone) << "the generator still talks";
  EXPECT_EQ(w.step(at_ms(3), true, p, n), Withdrawal::Step::kRfDropped);
}

// Verifies: SR-22
TEST(Withdrawal, RfActiveStillHigh5msAfterRfOffIsReportedOnceAt5msNot4) {
  Withdrawal w;
  const PowerLimits p;
  const NeedleLimits n;
  w.begin(at_ms(0));
  w.on_generator(generator(true), watts(1));
  w.on_actuator(actuator(true, 2000), n.position_tolerance);
  EXPECT_EQ(w.step(at_ms(4), false, p, n), Withdrawal::Step::kNone);
  EXPECT_EQ(w.step(at_ms(5), false, p, n), Withdrawal::Step::kRfStillActive);
  EXPECT_EQ(w.step(at_ms(6), false, p, n), Withdrawal::Step::kNone);
}

// Verifies: SR-30
TEST(Withdrawal, RetriesTwiceThenReportsStuck) {
  Withdrawal w;
  const PowerLimits p;
  const NeedleLimits n;
  w.begin(at_ms(0));
  w.on_generator(generator(false), watts(1));
  w.on_actuator(actuator(false, 2000), n.position_tolerance);
  EXPECT_EQ(w.step(at_ms(1), false, p, n), Withdrawal::Step::kRfDropped);
  EXPECT_EQ(w.step(at_ms(151), false, p, n), Withdrawal::Step::kNone);
  EXPECT_EQ(w.step(at_ms(152), false, p, n), Withdrawal::Step::kRetryRetract);
  EXPECT_EQ(w.step(at_ms(303), false, p, n), Withdrawal::Step::kRetryRetract);
  EXPECT_EQ(w.step(at_ms(454), false, p, n), Withdrawal::Step::kStuck);
}

}  // namespace
}  // namespace rfneedle::core
