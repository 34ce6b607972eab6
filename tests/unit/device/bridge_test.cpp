// The joining layer (controller/bridge): wire messages with missing or out-of-range
// fields never read as clear (SR-57), answers are matched to their commands, and what the
// core plans with comes from the boards' own memory and limits, never from a request.
#include <gtest/gtest.h>

#include "controller/bridge/wire_mapping.h"
#include "tests/unit/device/device_scenarios.h"

namespace rfneedle::testing {
namespace {

using bridge::to_cartridge;
using bridge::to_outcome;
using bridge::to_reading;
using bridge::to_sample;

// Verifies: SR-57
TEST(WireMapping, TelemetryOutsideItsDocumentedRangeIsMarkedImplausible) {
  device::GeneratorTelemetry g;
  g.set_power_mw(10'000);
  g.set_impedance_ohm(300);
  EXPECT_TRUE(to_sample(g).wire_in_range);
  g.set_signals(16);  // no such signal bit
  EXPECT_FALSE(to_sample(g).wire_in_range);
  g.set_signals(0);
  g.set_latched_faults(1);  // bit 0 is never a fault
  EXPECT_FALSE(to_sample(g).wire_in_range);
  g.set_latched_faults(0);
  g.set_voltage_mv(400'001);
  EXPECT_FALSE(to_sample(g).wire_in_range);

  device::ActuatorTelemetry a;
  a.set_skin_temp_a_mdegc(32'000);
  a.set_skin_temp_b_mdegc(32'000);
  EXPECT_TRUE(to_sample(a).wire_in_range);
  a.set_target_position_um(7'001);
  EXPECT_FALSE(to_sample(a).wire_in_range);
  a.set_target_position_um(0);
  a.set_skin_temp_b_mdegc(150'001);
  EXPECT_FALSE(to_sample(a).wire_in_range);
}

// Verifies: SR-57
TEST(WireMapping, AnImplausibleSampleFaultsTheCore) {
  WholeDevice d;
  ASSERT_TRUE(d.ready());
  core::GeneratorSample s = to_sample(device::GeneratorTelemetry{});
  s.sample_counter = 0;
  s.wire_in_range = false;
  d.core().on_generator_sample(s, d.now());
  d.send_commands();
  d.run(milliseconds(50));
  EXPECT_TRUE(d.raised(Condition::kTelemetryImplausible));
  EXPECT_EQ(d.core().state(), State::kFault);
}

// Verifies: SR-10, SR-57
TEST(WireMapping, AMeasurementOutsideItsRangeIsNoMeasurement) {
  device::ImpedanceMeasurement m;
  m.set_impedance_ohm(300);
  m.set_impedance_min_ohm(290);
  m.set_impedance_max_ohm(310);
  m.set_sample_count(5);
  ASSERT_TRUE(to_reading(m).has_value());
  EXPECT_EQ(to_reading(m)->max, Ohms{310});
  m.set_sample_count(21);
  EXPECT_FALSE(to_reading(m).has_value());
  m.set_sample_count(5);
  m.set_impedance_min_ohm(320);  // min above max
  EXPECT_FALSE(to_reading(m).has_value());
}

// Verifies: SR-02, SR-57
TEST(WireMapping, ACartridgeOfUnknownTypeOrOutOfRangeIsNotACartridge) {
  device::CartridgeInfo c;
  c.set_type_id("face");
  c.set_needle_count(25);
  c.set_pulse_limit(600);
  c.set_serial_number("1001");
  ASSERT_TRUE(to_cartridge(c).has_value());
  EXPECT_EQ(to_cartridge(c)->needle_count, 25u);
  EXPECT_EQ(to_cartridge(c)->serial.view(), "1001");
  c.set_needle_count(50);
  EXPECT_FALSE(to_cartridge(c).has_value());
  c.set_needle_count(25);
  c.set_type_id("gold");
  EXPECT_FALSE(to_cartridge(c).has_value());
}

// Verifies: SR-66, SR-57
TEST(WireMapping, TheFixturesReferenceMeterDueDateIsTakenFromItsMemory) {
  device::CartridgeInfo c;
  c.set_type_id("fixture");
  c.set_calibration_fixture(true);
  c.set_max_depth_um(3500);
  c.set_serial_number("9001");
  c.set_meter_due_unix_days(20'818);
  ASSERT_TRUE(to_cartridge(c).has_value());
  EXPECT_EQ(to_cartridge(c)->kind, core::CartridgeKind::kCalibrationFixture);
  EXPECT_EQ(to_cartridge(c)->meter_due_day, 20'818);
  c.set_meter_due_unix_days(65'536);
  EXPECT_FALSE(to_cartridge(c).has_value());
}

// Verifies: SR-11, SR-57
TEST(WireMapping, AGeneratorThatDoesNotSayItsVoltageLimitFailsTheHandshake) {
  device::HandshakeReply reply;
  EXPECT_EQ(to_outcome(reply, hal::HandshakeMismatch::kNone).voltage_limit, Millivolts{0});
  reply.set_max_voltage_mv(999);
  EXPECT_EQ(to_outcome(reply, hal::HandshakeMismatch::kNone).voltage_limit, Millivolts{0});
  reply.set_max_voltage_mv(120'000);
  EXPECT_EQ(to_outcome(reply, hal::HandshakeMismatch::kNone).voltage_limit, Millivolts{120'000});

  core::Core core(core::CoreConfig{}, Instant{});
  core::HandshakeOutcome missing;
  core.on_handshake(core::Board::kGenerator, missing, Instant{});
  EXPECT_EQ(core.state(), State::kServiceLock);
}

// Verifies: SR-11
TEST(Bridge, TheCorePlansWithTheLowerOfItsAndTheGeneratorsVoltageLimit) {
  WholeDevice d;
  ASSERT_TRUE(d.power_on());
  EXPECT_EQ(d.core().voltage_limit(), Millivolts{120'000});
  WholeDeviceOptions o;
  o.core.power.generator_voltage_limit = Millivolts{100'000};
  WholeDevice lower(o);
  ASSERT_TRUE(lower.power_on());
  EXPECT_EQ(lower.core().voltage_limit(), Millivolts{100'000});
}

// Verifies: SR-02
TEST(Bridge, TheNeedleCountComesFromTheCartridgeMemory) {
  // 25 needles: 62 mJ × 25 = 1.55 J. 16 W for 100 ms is 1.6 J: refused, whatever a
  // request might have claimed.
  WholeDevice d;
  ASSERT_TRUE(d.power_on());
  ASSERT_TRUE(d.core().open_session(WholeDevice::session_request(), d.now()).ok());
  d.send_commands();
  d.run(milliseconds(20));
  ASSERT_TRUE(d.core().status().cartridge.has_value());
  EXPECT_EQ(d.core().status().cartridge->needle_count, 25u);
  core::PulseParameters p = WholeDevice::parameters();
  p.power = watts(16);
  EXPECT_FALSE(d.core().set_parameters(p, d.now()).ok());
  p.power = Milliwatts{15'500};
  EXPECT_TRUE(d.core().set_parameters(p, d.now()).ok());
}

// Verifies: SR-62, SR-63
TEST(Bridge, ACartridgeAtItsLimitInItsMemoryBlocksPulses) {
  WholeDeviceOptions o;
  o.device.cartridge->pulse_limit = 600;
  o.device.cartridge->pulses_used = 600;
  WholeDevice d(o);
  ASSERT_TRUE(d.power_on());
  (void)d.open_and_arm();
  EXPECT_TRUE(d.core().interlocks().in_effect(Condition::kCartridgeAtLimit));
  EXPECT_NE(d.core().state(), State::kReady);
  const std::size_t from = d.truth.size();
  d.press_and_hold();
  EXPECT_FALSE(d.rf_on_since(from));
}

// Verifies: SR-62
TEST(Bridge, EveryDeliveredPulseIsCountedInTheCartridgeMemory) {
  WholeDevice d;
  ASSERT_TRUE(d.ready());
  for (int i = 0; i < 3; ++i) {
    d.press_and_hold();
    d.run(milliseconds(300));
  }
  ASSERT_EQ(pulses_delivered(d), 3);
  ASSERT_TRUE(d.core().status().cartridge.has_value());
  EXPECT_EQ(d.core().status().cartridge->pulses_used, 3u);
  EXPECT_EQ(d.core().status().cartridge->bound_session, d.core().status().session_id);
}

// Verifies: SR-17
TEST(Bridge, PlansAbove41WSendTheGeneratorALimitItAccepts) {
  // 1.2 × 45 W would be 54 W, above the board's 50 W ceiling: the limit is clamped.
  WholeDevice d;
  core::PulseParameters p = WholeDevice::parameters();
  p.power = watts(45);
  p.duration = milliseconds(20);
  ASSERT_TRUE(d.ready(p));
  EXPECT_FALSE(d.core().interlocks().in_effect(Condition::kBoardSetupRefused));
  EXPECT_EQ(d.core().state(), State::kReady);
}

// Verifies: SR-12, SR-52
TEST(Bridge, TwentyPulsesDeliverWhatWasPlanned) {
  WholeDevice d;
  ASSERT_TRUE(d.ready());
  for (int i = 0; i < 20; ++i) {
    d.press_and_hold();
    d.run(milliseconds(260));
  }
  ASSERT_EQ(pulses_delivered(d), 20);
  int completed = 0;
  for (const core::PulseRecord& r : d.records) {
    if (r.outcome == core::PulseOutcome::kCompleted) {
      ++completed;
      EXPECT_NEAR(static_cast<double>(r.delivered_energy.value()), 1'000'000.0, 30'000.0);
    }
  }
  EXPECT_EQ(completed, 20);
  EXPECT_EQ(d.bridge().counters().unmatched_results, 0u);
}

// Verifies: SR-33, SR-55
// A link lost after the handshakes is a latched link fault; once the line is back the
// joining layer starts a new link session by itself, the board answers its handshake, and
// the operator's acknowledge clears the fault.
TEST(Bridge, AfterALinkFaultANewSessionStartsAndTheFaultCanBeAcknowledged) {
  WholeDevice d;
  ASSERT_TRUE(d.ready());
  inject(d, "link-disconnect", {{"link", "generator"}}, milliseconds(300));
  ASSERT_TRUE(d.run_until([&] { return d.raised(Condition::kLinkFault); }, seconds(1)));
  EXPECT_EQ(d.core().state(), State::kFault);
  d.run(milliseconds(700));
  EXPECT_FALSE(d.core().interlocks().present(Condition::kLinkFault));
  ASSERT_TRUE(d.core().acknowledge(d.now()).ok());
  d.send_commands();
  EXPECT_TRUE(d.run_until_state(State::kStandby, seconds(2)));
}

}  // namespace
}  // namespace rfneedle::testing
