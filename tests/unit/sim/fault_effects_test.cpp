// Each catalogued model fault, injected through a FaultSchedule, has the effect the
// catalogue states on the physical models, and ends when it is cleared.
#include "simulator/model/fault_effects.h"

#include <gtest/gtest.h>

#include <optional>
#include <tuple>

#include "simulator/model/physical.h"
#include "tests/support/virtual_clock.h"

namespace rfneedle::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::chrono::sys_days kExpiry{std::chrono::year{2030} / 1 / 1};

// The models of one simulated handpiece and generator, stepped at 1 kHz on a virtual
// clock, with the schedule's faults applied before each step.
struct Bench {
  Bench() {
    cartridge.insert(face_cartridge(1, 49, kExpiry));
    generator.set_relay_closed(true);
    actuator.home();
    clock.call_every(milliseconds(1), [this] { step(); });
    clock.advance(milliseconds(50));  // homed from its power-on position
  }

  void step() {
    lines = apply_model_faults(schedule, clock.now(), targets);
    actuator.step(milliseconds(1));
    tissue.set_depth(actuator.position());
    generator.step(milliseconds(1), tissue.impedance());
    tissue.step(milliseconds(1), generator.delivered_power());
    thermistor_a.step(milliseconds(1), tissue.skin_temperature());
    thermistor_b.step(milliseconds(1), tissue.skin_temperature());
  }

  void inject(FaultKind kind, std::optional<Duration> duration = std::nullopt) {
    schedule.add(clock.now(), duration, FaultParameters(kind));
  }

  void insert_to(std::int64_t depth_um) {
    actuator.move_to(Micrometres(depth_um));
    clock.advance(milliseconds(50));
  }

  void deliver(Milliwatts power) {
    generator.set_power_setpoint(power);
    generator.set_output_enabled(true);
  }

  testing::VirtualClock clock;
  FaultSchedule schedule;
  TissueModel tissue{49};
  GeneratorModel generator;
  ActuatorModel actuator;
  SkinThermistor thermistor_a{ThermistorConfig{.seed = 11}, celsius(33)};
  SkinThermistor thermistor_b{ThermistorConfig{.seed = 12}, celsius(33)};
  TriggerModel trigger;
  CartridgeSlot cartridge;
  FaultTargets targets{&tissue,       &generator, &actuator, &thermistor_a,
                       &thermistor_b, &trigger,   &cartridge};
  FaultLines lines;
};

TEST(ModelFaults, ImpedanceOpenReadsOpenCircuitUntilCleared) {
  Bench bench;
  bench.insert_to(2'000);
  const Ohms healthy = bench.tissue.impedance();
  bench.inject(FaultKind::kImpedanceOpen, milliseconds(100));
  bench.clock.advance(milliseconds(2));
  EXPECT_EQ(bench.tissue.impedance(), kOpenCircuit);
  EXPECT_GT(bench.generator.reading().impedance, Ohms(1'500));
  bench.clock.advance(milliseconds(100));
  EXPECT_EQ(bench.tissue.impedance(), healthy);
}

TEST(ModelFaults, ImpedanceShortIsNearZeroAndLatchesTheGeneratorAtItsCurrentLimit) {
  Bench bench;
  bench.insert_to(2'000);
  bench.deliver(watts(10));
  bench.inject(FaultKind::kImpedanceShort);
  bench.clock.advance(milliseconds(5));
  EXPECT_EQ(bench.tissue.impedance(), Ohms(2));
  // 1.5 A into 2 ohm: 4.5 W.
  EXPECT_EQ(bench.generator.delivered_power(), Milliwatts(4'500));
}

TEST(ModelFaults, ImpedanceDriftRaisesItByItsRatePerSecond) {
  Bench bench;
  bench.insert_to(2'000);
  const double healthy = bench.tissue.impedance_ohms();
  bench.inject(FaultKind::kImpedanceDrift);
  bench.clock.advance(seconds(1));
  EXPECT_NEAR(bench.tissue.impedance_ohms() / healthy, 1.5, 0.01);
}

TEST(ModelFaults, ThermistorFaultsActOnTheirOwnThermistorOnly) {
  struct Case {
    FaultKind kind;
    bool on_a;
  };
  for (const Case c :
       {Case{FaultKind::kThermistorAOpen, true}, Case{FaultKind::kThermistorBOpen, false}}) {
    Bench bench;
    bench.inject(c.kind);
    bench.clock.advance(milliseconds(2));
    const SkinThermistor& faulty = c.on_a ? bench.thermistor_a : bench.thermistor_b;
    const SkinThermistor& healthy = c.on_a ? bench.thermistor_b : bench.thermistor_a;
    EXPECT_EQ(faulty.reading(), kThermistorOpenReading);
    EXPECT_NEAR(celsius_of(healthy.reading()), 33.0, 0.15);
  }
}

TEST(ModelFaults, ThermistorShortReads150C) {
  Bench bench;
  bench.inject(FaultKind::kThermistorBShort);
  bench.clock.advance(milliseconds(2));
  EXPECT_EQ(bench.thermistor_b.reading(), kThermistorShortReading);
}

TEST(ModelFaults, ThermistorStuckMissesSkinHeatingTheOtherSees) {
  Bench bench;
  bench.inject(FaultKind::kThermistorAStuck);
  bench.clock.advance(milliseconds(2));
  const MilliCelsius stuck = bench.thermistor_a.reading();
  bench.inject(FaultKind::kSkinHeating);
  bench.clock.advance(seconds(5));
  EXPECT_EQ(bench.thermistor_a.reading(), stuck);
  EXPECT_GT(bench.thermistor_b.reading(), celsius(41));
}

TEST(ModelFaults, ThermistorDriftGrowsAtItsRate) {
  Bench bench;
  bench.inject(FaultKind::kThermistorADrift);
  bench.clock.advance(seconds(4));
  // 0.5 degC/s for 4 s.
  EXPECT_NEAR(celsius_of(bench.thermistor_a.reading() - bench.thermistor_b.reading()), 2.0, 0.2);
}

TEST(ModelFaults, PairDisagreeOffsetsThermistorBByMoreThan3C) {
  Bench bench;
  bench.inject(FaultKind::kThermistorPairDisagree);
  bench.clock.advance(milliseconds(2));
  EXPECT_NEAR(celsius_of(bench.thermistor_b.reading() - bench.thermistor_a.reading()), 4.0, 0.2);
}

TEST(ModelFaults, SkinHeatingRampsBothThermistorsAtAPlausibleRateToItsTarget) {
  Bench bench;
  bench.inject(FaultKind::kSkinHeating);
  MilliCelsius previous_a = bench.thermistor_a.reading();
  for (int step = 0; step < 100; ++step) {
    bench.clock.advance(milliseconds(100));
    const MilliCelsius a = bench.thermistor_a.reading();
    // Never faster than 5 degC/s (0.5 degC per 100 ms), noise allowance included.
    EXPECT_LT(celsius_of(a - previous_a), 0.5 + 0.15);
    previous_a = a;
  }
  EXPECT_EQ(bench.tissue.skin_temperature(), celsius(46));
  EXPECT_NEAR(celsius_of(bench.thermistor_a.reading()), 46.0, 0.2);
  EXPECT_NEAR(celsius_of(bench.thermistor_b.reading()), 46.0, 0.2);
}

TEST(ModelFaults, RfStuckOnDeliversWithTheOutputOffUntilTheRelayOpens) {
  Bench bench;
  bench.insert_to(2'000);
  bench.inject(FaultKind::kRfStuckOn);
  bench.clock.advance(milliseconds(5));
  EXPECT_EQ(bench.generator.delivered_power(), watts(10));
  bench.generator.set_relay_closed(false);
  bench.clock.advance(milliseconds(1));
  EXPECT_FALSE(bench.generator.rf_on());
}

TEST(ModelFaults, PowerDriftDepartsAtItsRateUpToItsLimit) {
  Bench bench;
  bench.insert_to(3'000);
  bench.deliver(watts(10));
  bench.inject(FaultKind::kPowerDrift);
  bench.clock.advance(seconds(1));
  EXPECT_NEAR(watts_of(bench.generator.delivered_power()), 12.0, 0.05);
  bench.clock.advance(seconds(3));
  EXPECT_NEAR(watts_of(bench.generator.delivered_power()), 15.0, 0.05);
}

TEST(ModelFaults, PowerDriftAtItsHighestRateIsAStepWithinOneTick) {
  Bench bench;
  bench.insert_to(3'000);
  bench.deliver(watts(10));
  bench.clock.advance(milliseconds(10));  // past the ramp
  FaultParameters step(FaultKind::kPowerDrift);
  ASSERT_FALSE(step.set("rate", "-100000").has_value());
  bench.schedule.add(bench.clock.now(), std::nullopt, step);
  bench.clock.advance(milliseconds(1));
  EXPECT_NEAR(watts_of(bench.generator.delivered_power()), 5.0, 0.05);
}

TEST(ModelFaults, HeatsinkOverheatTakesItPast75C) {
  Bench bench;
  bench.inject(FaultKind::kHeatsinkOverheat);
  bench.clock.advance(seconds(60));
  EXPECT_EQ(bench.generator.heatsink_temperature(), celsius(80));
}

TEST(ModelFaults, MotorStallHoldsTheNeedlesAndIsReported) {
  Bench bench;
  bench.insert_to(1'000);
  bench.inject(FaultKind::kMotorStall);
  bench.actuator.move_to(Micrometres(2'000));
  bench.clock.advance(milliseconds(20));
  EXPECT_EQ(bench.actuator.position(), Micrometres(1'000));
  EXPECT_TRUE(bench.actuator.stall_detected());
}

TEST(ModelFaults, EncoderSlipReads200umShort) {
  Bench bench;
  bench.insert_to(2'000);
  bench.inject(FaultKind::kEncoderSlip);
  bench.clock.advance(milliseconds(1));
  EXPECT_EQ(bench.actuator.encoder_position(), Micrometres(1'800));
}

TEST(ModelFaults, RetractionJamKeepsTheNeedlesIn) {
  Bench bench;
  bench.insert_to(2'000);
  bench.inject(FaultKind::kRetractionJam, seconds(1));
  bench.actuator.move_to(Micrometres(0));
  bench.clock.advance(milliseconds(150));
  EXPECT_EQ(bench.actuator.position(), Micrometres(2'000));
  bench.clock.advance(seconds(1));
  EXPECT_EQ(bench.actuator.position(), Micrometres(0));
}

TEST(ModelFaults, CartridgeMissingReadsNoMemoryAndAnOpenLoad) {
  Bench bench;
  bench.insert_to(2'000);
  bench.inject(FaultKind::kCartridgeMissing);
  bench.clock.advance(milliseconds(1));
  EXPECT_FALSE(bench.cartridge.read());
  EXPECT_EQ(bench.tissue.impedance(), kOpenCircuit);
}

TEST(ModelFaults, CartridgeExpiredReportsALongPastExpiry) {
  Bench bench;
  bench.inject(FaultKind::kCartridgeExpired);
  bench.clock.advance(milliseconds(1));
  EXPECT_EQ(bench.cartridge.read()->expiry, kLongExpired);
}

TEST(ModelFaults, TriggerStuckKeepsBothContactsClosed) {
  Bench bench;
  bench.inject(FaultKind::kTriggerStuck);
  bench.clock.advance(milliseconds(1));
  EXPECT_TRUE(bench.trigger.contact_a(bench.clock.now()));
  EXPECT_TRUE(bench.trigger.contact_b(bench.clock.now()));
}

TEST(ModelFaults, EstopReadsPressedWhileActive) {
  Bench bench;
  bench.inject(FaultKind::kEstop, milliseconds(10));
  bench.clock.advance(milliseconds(1));
  EXPECT_TRUE(bench.lines.estop_pressed);
  bench.clock.advance(milliseconds(20));
  EXPECT_FALSE(bench.lines.estop_pressed);
}

// What a test or the firmware can observe of the models.
auto observables(const Bench& bench) {
  const auto memory = bench.cartridge.read();
  return std::make_tuple(bench.tissue.impedance(), bench.tissue.skin_temperature(),
                         bench.generator.delivered_power(), bench.generator.heatsink_temperature(),
                         bench.actuator.position(), bench.actuator.encoder_position(),
                         bench.actuator.stall_detected(), bench.thermistor_a.reading(),
                         bench.thermistor_b.reading(), bench.trigger.contact_a(bench.clock.now()),
                         bench.trigger.contact_b(bench.clock.now()), memory.has_value(),
                         memory ? memory->expiry : std::chrono::sys_days{},
                         bench.lines.estop_pressed);
}

// A second of treatment: RF at 5 W, an insertion at 100 ms, the fault at 400 ms and a
// retraction at 600 ms.
auto treat_for_a_second(std::optional<FaultKind> fault) {
  Bench bench;
  bench.deliver(watts(5));
  bench.clock.advance(milliseconds(50));
  bench.actuator.move_to(Micrometres(2'000));
  bench.clock.advance(milliseconds(300));
  if (fault) bench.inject(*fault);
  bench.clock.advance(milliseconds(200));
  bench.actuator.move_to(Micrometres(500));
  bench.clock.advance(milliseconds(400));
  return observables(bench);
}

TEST(ModelFaults, EveryModelFaultInTheCatalogueChangesWhatTheBoardsObserve) {
  const auto healthy = treat_for_a_second(std::nullopt);
  for (const FaultSpec& spec : fault_catalogue()) {
    if (spec.layer != FaultLayer::kModel) continue;
    EXPECT_NE(treat_for_a_second(spec.kind), healthy) << spec.name;
  }
}

TEST(ModelFaults, TheSameScheduleGivesTheSameReadings) {
  EXPECT_EQ(treat_for_a_second(FaultKind::kPowerDrift), treat_for_a_second(FaultKind::kPowerDrift));
}

}  // namespace
}  // namespace rfneedle::sim
