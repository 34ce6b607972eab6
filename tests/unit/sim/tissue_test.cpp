// Tissue model: impedance from depth, contact, needle count and temperature; two-pole
// heating at the tips; desiccation; the skin surface's lagged response (DESIGN 5).
#include "simulator/model/tissue.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "simulator/model/physical.h"

namespace rfneedle::sim {
namespace {

using std::chrono::milliseconds;

TissueModel inserted(int needles, std::int64_t depth_um) {
  TissueModel tissue(needles);
  tissue.set_depth(Micrometres(depth_um));
  return tissue;
}

// Steps `tissue` in 1 ms steps for `time` at constant `power`.
void deliver(TissueModel& tissue, Milliwatts power, Duration time) {
  for (Duration t{0}; t < time; t += milliseconds(1)) tissue.step(milliseconds(1), power);
}

TEST(TissueImpedance, SpansAbout80To600OhmAcrossFaceDepthsAndNeedleCounts) {
  EXPECT_NEAR(inserted(25, 500).impedance_ohms(), 600, 15);
  EXPECT_NEAR(inserted(49, 3'500).impedance_ohms(), 80, 5);
}

TEST(TissueImpedance, FallsWithDepthAndWithMoreNeedles) {
  EXPECT_GT(inserted(25, 1'000).impedance(), inserted(25, 2'000).impedance());
  EXPECT_GT(inserted(25, 2'000).impedance(), inserted(25, 3'500).impedance());
  EXPECT_NEAR(inserted(25, 2'000).impedance_ohms() / inserted(49, 2'000).impedance_ohms(),
              49.0 / 25.0, 0.05);
}

TEST(TissueImpedance, IsKilohmsWithNeedlesRetractedOrInAir) {
  EXPECT_GT(inserted(49, 0).impedance(), Ohms(10'000));
  TissueModel in_air = inserted(49, 2'000);
  in_air.set_contact(0.0);
  EXPECT_GT(in_air.impedance(), Ohms(10'000));
  EXPECT_GT(inserted(25, 20).impedance(), Ohms(1'500));
}

TEST(TissueImpedance, HalfTheNeedlesInContactDoublesIt) {
  TissueModel tissue = inserted(49, 1'500);
  const double full = tissue.impedance_ohms();
  tissue.set_contact(0.5);
  EXPECT_NEAR(tissue.impedance_ohms() / full, 2.0, 0.05);
}

TEST(TissueImpedance, FallsAbout2PercentPerDegreeAsTheTipsHeat) {
  TissueModel tissue = inserted(49, 2'000);
  const double cold = tissue.impedance_ohms();
  deliver(tissue, watts(5), milliseconds(100));
  const double warming = celsius_of(tissue.tip_temperature()) - kTissueBaselineCelsius;
  ASSERT_GT(warming, 5.0);
  EXPECT_NEAR(tissue.impedance_ohms(), cold / (1.0 + 0.02 * warming), 1.0);
}

TEST(TissueThermal, TipReaches63PercentOfItsRiseAt100ms) {
  TissueModel tissue = inserted(49, 2'000);
  const double full_rise = 2.0 * kTipDegCPerWattPerNeedle / 49.0;  // 2 W x tip resistance
  deliver(tissue, watts(2), milliseconds(50));
  const double at_50ms = celsius_of(tissue.tip_temperature()) - kTissueBaselineCelsius;
  deliver(tissue, watts(2), milliseconds(50));
  const double at_100ms = celsius_of(tissue.tip_temperature()) - kTissueBaselineCelsius;
  EXPECT_NEAR(at_100ms / full_rise, 0.63, 0.03);
  EXPECT_NEAR(at_50ms / full_rise, 0.39, 0.03);
}

TEST(TissueThermal, TipCoolsTowardSurroundingsWith100msTimeConstant) {
  TissueModel tissue = inserted(49, 2'000);
  deliver(tissue, watts(10), milliseconds(100));
  const double excess = tissue.thermal().tip_celsius() - tissue.thermal().bulk_celsius();
  deliver(tissue, Milliwatts(0), milliseconds(100));
  const double after = tissue.thermal().tip_celsius() - tissue.thermal().bulk_celsius();
  EXPECT_NEAR(after / excess, 0.37, 0.03);
}

TEST(TissueThermal, SurroundingTissueCoolsOverTensOfSeconds) {
  TissueModel tissue = inserted(49, 2'000);
  deliver(tissue, watts(10), milliseconds(500));
  deliver(tissue, Milliwatts(0), milliseconds(1'000));
  const double bulk_excess = tissue.thermal().bulk_celsius() - kTissueBaselineCelsius;
  EXPECT_GT(bulk_excess, 0.5);
  EXPECT_NEAR(tissue.thermal().tip_celsius(), tissue.thermal().bulk_celsius(), 0.05);
  tissue.step(std::chrono::seconds(10), Milliwatts(0));
  EXPECT_NEAR(tissue.thermal().bulk_celsius() - kTissueBaselineCelsius, bulk_excess * 0.37,
              bulk_excess * 0.05);
}

TEST(TissueThermal, DefaultPulseHeatsTipsIntoTheCoagulationRange) {
  TissueModel face = inserted(49, 1'500);
  deliver(face, watts(10), milliseconds(100));
  EXPECT_GT(face.tip_temperature(), celsius(50));
  EXPECT_LT(face.tip_temperature(), celsius(80));
}

TEST(TissueThermal, ImpedanceRisesSharplyWhenTheTipsNearBoiling) {
  TissueModel tissue = inserted(25, 1'500);
  double lowest = tissue.impedance_ohms();
  double tip_at_lowest = 0;
  for (int ms = 0; ms < 1'000; ++ms) {
    tissue.step(milliseconds(1), watts(30));
    if (tissue.impedance_ohms() < lowest) {
      lowest = tissue.impedance_ohms();
      tip_at_lowest = tissue.thermal().tip_celsius();
    }
  }
  EXPECT_LT(tip_at_lowest, kDesiccationOnsetCelsius + 5);
  EXPECT_GT(tissue.desiccation(), 0.5);
  EXPECT_GT(tissue.impedance_ohms(), 3.0 * lowest);
}

TEST(TissueThermal, NoDesiccationInADefaultPulse) {
  TissueModel tissue = inserted(25, 1'500);
  deliver(tissue, watts(10), milliseconds(100));
  EXPECT_EQ(tissue.desiccation(), 0.0);
}

TEST(SkinSurface, WarmsLaterAndFarLessThanTheTipsThenCoolsToBaseline) {
  TissueModel tissue = inserted(25, 1'500);
  double tip_peak = 0;
  double skin_peak = 0;
  int tip_peak_ms = 0;
  int skin_peak_ms = 0;
  for (int ms = 0; ms < 5'000; ++ms) {
    tissue.step(milliseconds(1), ms < 100 ? watts(10) : Milliwatts(0));
    if (tissue.thermal().tip_celsius() > tip_peak) {
      tip_peak = tissue.thermal().tip_celsius();
      tip_peak_ms = ms;
    }
    if (tissue.thermal().skin_celsius() > skin_peak) {
      skin_peak = tissue.thermal().skin_celsius();
      skin_peak_ms = ms;
    }
  }
  EXPECT_GT(skin_peak_ms, tip_peak_ms + 100);
  EXPECT_GT(skin_peak - kSkinBaselineCelsius, 0.05);
  EXPECT_LT(skin_peak - kSkinBaselineCelsius, 0.1 * (tip_peak - kTissueBaselineCelsius));
  tissue.step(std::chrono::seconds(30), Milliwatts(0));
  EXPECT_NEAR(tissue.thermal().skin_celsius(), kSkinBaselineCelsius, 0.05);
}

TEST(SkinSurface, StartsAt33C) { EXPECT_EQ(TissueModel(49).skin_temperature(), celsius(33)); }

TEST(TissueThermal, RelocatingStartsTipsAfreshButTheSkinKeepsItsHeat) {
  TissueModel tissue = inserted(25, 1'500);
  deliver(tissue, watts(30), milliseconds(500));
  ASSERT_GT(tissue.desiccation(), 0.0);
  const double skin = tissue.thermal().skin_celsius();
  tissue.relocate();
  EXPECT_EQ(tissue.desiccation(), 0.0);
  EXPECT_EQ(tissue.thermal().tip_celsius(), tissue.thermal().bulk_celsius());
  EXPECT_EQ(tissue.thermal().skin_celsius(), skin);
}

TEST(TissueFaultHooks, OpenReadsOpenCircuitShortReadsNearZeroAndDriftScales) {
  TissueModel tissue = inserted(49, 2'000);
  const double healthy = tissue.impedance_ohms();
  tissue.set_load_fault(LoadFault::kOpen);
  EXPECT_EQ(tissue.impedance(), kOpenCircuit);
  tissue.set_load_fault(LoadFault::kShort, Ohms(2));
  EXPECT_EQ(tissue.impedance(), Ohms(2));
  tissue.set_load_fault(LoadFault::kNone);
  tissue.set_impedance_scale(1.5);
  EXPECT_NEAR(tissue.impedance_ohms(), 1.5 * healthy, 1e-9);
}

TEST(TissueFaultHooks, SkinHeatingRampsAtItsRateToTheTargetAndHolds) {
  TissueModel tissue(49);
  tissue.set_skin_heating(SkinHeating{celsius(46), celsius(5)});
  tissue.step(std::chrono::seconds(1), Milliwatts(0));
  EXPECT_NEAR(celsius_of(tissue.skin_temperature()), 38.0, 0.01);
  tissue.step(std::chrono::seconds(5), Milliwatts(0));
  EXPECT_EQ(tissue.skin_temperature(), celsius(46));
  tissue.set_skin_heating(std::nullopt);
  tissue.step(std::chrono::seconds(2), Milliwatts(0));
  EXPECT_LT(tissue.skin_temperature(), celsius(40));
}

}  // namespace
}  // namespace rfneedle::sim
