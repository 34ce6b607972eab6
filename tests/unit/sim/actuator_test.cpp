// Actuator model: trapezoidal moves within speed and acceleration limits, encoder
// quantisation, motor-reported position, stall, jam and homing (DESIGN 5).
#include "simulator/model/actuator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace rfneedle::sim {
namespace {

using std::chrono::milliseconds;

ActuatorModel homed_actuator() {
  ActuatorModel actuator;
  actuator.home();
  for (int ms = 0; ms < 100 && !actuator.homed(); ++ms) actuator.step(milliseconds(1));
  return actuator;
}

// Steps in 1 ms until the carriage is at `target` and the profile is done; returns the
// milliseconds it took, or -1 after 1 s.
int move(ActuatorModel& actuator, std::int64_t target, double* top_speed = nullptr) {
  actuator.move_to(Micrometres(target));
  for (int ms = 1; ms <= 1'000; ++ms) {
    actuator.step(milliseconds(1));
    if (top_speed) *top_speed = std::max(*top_speed, std::abs(actuator.speed_um_per_s()));
    if (actuator.profile_done() && actuator.position() == Micrometres(target)) return ms;
  }
  return -1;
}

TEST(Actuator, HomesToTheStopAndCountsFromThere) {
  ActuatorModel actuator;  // powered on 300 um out, position unknown to the firmware
  EXPECT_FALSE(actuator.homed());
  EXPECT_EQ(actuator.encoder_position(), Micrometres(0));
  actuator.home();
  for (int ms = 0; ms < 30; ++ms) actuator.step(milliseconds(1));
  EXPECT_TRUE(actuator.homed());
  EXPECT_EQ(actuator.position(), Micrometres(0));
  EXPECT_EQ(actuator.encoder_position(), Micrometres(0));
  EXPECT_EQ(actuator.motor_position(), Micrometres(0));
}

TEST(Actuator, InsertsAtItsSpeedLimitAndNoFaster) {
  ActuatorModel actuator = homed_actuator();
  double top_speed = 0;
  const int took_ms = move(actuator, 3'500, &top_speed);
  // Trapezoid: 10 ms up to 200 mm/s over 1 mm, 7.5 ms cruising, 10 ms down: 27.5 ms.
  EXPECT_GE(took_ms, 28);
  EXPECT_LE(took_ms, 30);
  EXPECT_LE(top_speed, actuator.config().max_speed_um_per_s + 1e-6);
  EXPECT_GE(top_speed, 0.99 * actuator.config().max_speed_um_per_s);
}

TEST(Actuator, AShortMoveIsATriangleBelowTheSpeedLimit) {
  ActuatorModel actuator = homed_actuator();
  double top_speed = 0;
  const int took_ms = move(actuator, 500, &top_speed);
  // 0.25 mm up and 0.25 mm down at 20 m/s^2: 5 ms each, peaking at 100 mm/s.
  EXPECT_GE(took_ms, 10);
  EXPECT_LE(took_ms, 12);
  EXPECT_NEAR(top_speed, 100'000, 5'000);
}

TEST(Actuator, EncoderReadsIn10umCounts) {
  ActuatorModel actuator = homed_actuator();
  ASSERT_GT(move(actuator, 1'234), 0);
  EXPECT_EQ(actuator.position(), Micrometres(1'234));
  EXPECT_EQ(actuator.encoder_position(), Micrometres(1'230));
  EXPECT_EQ(actuator.motor_position(), Micrometres(1'234));
}

TEST(Actuator, CurrentIsHoldingAtRestAndRunningWhileMoving) {
  ActuatorModel actuator = homed_actuator();
  EXPECT_EQ(actuator.motor_current(), actuator.config().holding_current);
  actuator.move_to(Micrometres(2'000));
  actuator.step(milliseconds(5));
  EXPECT_EQ(actuator.motor_current(), actuator.config().running_current);
}

TEST(ActuatorFaultHooks, StallHoldsTheCarriageRaisesCurrentAndIsReportedAfter5ms) {
  ActuatorModel actuator = homed_actuator();
  ASSERT_GT(move(actuator, 1'000), 0);
  actuator.set_stalled(true);
  actuator.move_to(Micrometres(3'000));
  actuator.step(milliseconds(2));
  EXPECT_EQ(actuator.motor_current(), actuator.config().stall_current);
  // Blocked once the motor is a count ahead (after 1 ms), reported 5 ms later.
  actuator.step(milliseconds(3));
  EXPECT_FALSE(actuator.stall_detected());
  actuator.step(milliseconds(2));
  EXPECT_TRUE(actuator.stall_detected());
  actuator.step(milliseconds(50));
  EXPECT_EQ(actuator.position(), Micrometres(1'000));
  EXPECT_EQ(actuator.encoder_position(), Micrometres(1'000));
  // The motor believes it moved: encoder and motor disagree by far more than 0.1 mm.
  EXPECT_EQ(actuator.motor_position(), Micrometres(3'000));
}

TEST(ActuatorFaultHooks, StallClearedLetsTheCarriageCatchUp) {
  ActuatorModel actuator = homed_actuator();
  actuator.set_stalled(true);
  actuator.move_to(Micrometres(1'000));
  actuator.step(milliseconds(20));
  actuator.set_stalled(false);
  actuator.step(milliseconds(20));
  EXPECT_EQ(actuator.position(), Micrometres(1'000));
  EXPECT_FALSE(actuator.stall_detected());
}

TEST(ActuatorFaultHooks, RetractionJamBlocksRetractionButNotInsertion) {
  ActuatorModel actuator = homed_actuator();
  ASSERT_GT(move(actuator, 2'000), 0);
  actuator.set_retraction_jammed(true);
  EXPECT_GT(move(actuator, 2'500), 0);
  actuator.move_to(Micrometres(0));
  actuator.step(milliseconds(100));
  EXPECT_EQ(actuator.position(), Micrometres(2'000));
  EXPECT_TRUE(actuator.stall_detected());
}

TEST(ActuatorFaultHooks, EncoderSlipReadsShortOfTheTruePosition) {
  ActuatorModel actuator = homed_actuator();
  ASSERT_GT(move(actuator, 2'000), 0);
  actuator.set_encoder_slip(Micrometres(200));
  EXPECT_EQ(actuator.encoder_position(), Micrometres(1'800));
  EXPECT_EQ(actuator.position(), Micrometres(2'000));
}

TEST(Actuator, DisabledMotorMovesNothingAndDrawsNoCurrent) {
  ActuatorModel actuator = homed_actuator();
  ASSERT_GT(move(actuator, 1'500), 0);
  actuator.set_enabled(false);
  actuator.move_to(Micrometres(0));
  actuator.step(milliseconds(100));
  EXPECT_EQ(actuator.position(), Micrometres(1'500));
  EXPECT_EQ(actuator.motor_current(), Milliamps(0));
}

}  // namespace
}  // namespace rfneedle::sim
