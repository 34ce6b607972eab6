// The self-test at power-on and in Service: every named check against the fake boards.
#include <gtest/gtest.h>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

std::vector<CoreEvent> checks(const Rig& rig) {
  std::vector<CoreEvent> out;
  for (const auto& e : rig.events) {
    if (e.kind == EventKind::kSelfTestCheck) out.push_back(e);
  }
  return out;
}

// Verifies: SR-65
TEST(SelfTest, PowerOnRunsEveryCheckAndReachesStandbyWhenAllPass) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  EXPECT_EQ(rig.core.state(), State::kStandby);
  const auto results = checks(rig);
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kSelfTestCheckCount));
  for (const auto& e : results) EXPECT_EQ(e.value, 1) << e.text << ": " << e.detail;
  EXPECT_EQ(rig.core.status().self_test.passed, kSelfTestCheckCount);
  // Each dead-man check left the board latched, then cleared it.
  ASSERT_EQ(rig.sent_of<ClearLatchedFault>().size(), 2u);
  for (const Sent& s : rig.sent_of<ClearLatchedFault>()) {
    EXPECT_EQ(std::get<ClearLatchedFault>(s.command).mask, board_fault::kDeadMan);
  }
  EXPECT_EQ(rig.boards.gen.latched, 0u);
  EXPECT_EQ(rig.boards.act.latched, 0u);
  // The at-depth check asked for RF with the needles retracted; none flowed. The request
  // carried a pulse ID of the device's series, recorded before it was sent.
  ASSERT_EQ(rig.sent_of<DeliverPulse>().size(), 1u);
  const DeliverPulse pulse = std::get<DeliverPulse>(rig.sent_of<DeliverPulse>()[0].command);
  EXPECT_GE(pulse.pulse_id, 1u);
  ASSERT_EQ(rig.records.size(), 2u);
  EXPECT_EQ(rig.records[0].pulse_id, pulse.pulse_id);
  EXPECT_EQ(rig.records[0].kind, PulseKind::kSelfTest);
  EXPECT_EQ(rig.records[1].outcome, PulseOutcome::kAborted);
  EXPECT_EQ(rig.boards.motion_while_rf, 0);
  // RF was permitted only around that one request, and the relay ends closed.
  for (const Sent& s : rig.sent) {
    const auto* beat = std::get_if<Heartbeat>(&s.command);
    EXPECT_FALSE(beat && beat->rf_permitted && s.state != State::kSelfTest);
  }
  EXPECT_FALSE(rig.boards.gen.sample.rf_active);
  EXPECT_FALSE(rig.core.rf_permitted());
  EXPECT_TRUE(rig.boards.gen.relay_closed);
  EXPECT_EQ(rig.sent_of<RelayOpen>().size(), 1u);
  EXPECT_EQ(rig.sent_of<RelayClose>().size(), 1u);
}

// Verifies: SR-65
TEST(SelfTest, AFailedCheckEntersServiceLockNamingIt) {
  Rig rig;
  rig.boards.gen.open_impedance = Ohms{800};  // a leak across retracted needles
  ASSERT_TRUE(rig.power_on());
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  bool named = false;
  for (const auto& e : checks(rig)) {
    if (e.value == 0) {
      named = e.text == name(SelfTestCheck::kOpenCircuitImpedance);
    }
  }
  EXPECT_TRUE(named);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kSelfTestFailed));
}

// Verifies: SR-65
TEST(SelfTest, ARelayThatDoesNotOpenFails) {
  Rig rig;
  rig.boards.gen.relay_stuck_closed = true;
  ASSERT_TRUE(rig.power_on());
  EXPECT_EQ(rig.core.state(), State::kServiceLock);
  bool named = false;
  for (const auto& e : checks(rig)) {
    named = named || (e.value == 0 && e.text == name(SelfTestCheck::kRelayOpens));
  }
  EXPECT_TRUE(named);
}

// Verifies: SR-65
TEST(SelfTest, RunsOnRequestInServiceAndStaysInService) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  ASSERT_TRUE(rig.core.enter_service(rig.now()).ok());
  rig.clear_logs();
  ASSERT_TRUE(rig.core.run_self_test(rig.now()).ok());
  rig.run(seconds(1));
  EXPECT_EQ(rig.core.state(), State::kService);
  EXPECT_EQ(checks(rig).size(), static_cast<std::size_t>(kSelfTestCheckCount));
  EXPECT_TRUE(rig.core.exit_service(rig.now()).ok());
}

// Verifies: SR-65
TEST(SelfTest, IsRefusedOutsideService) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  EXPECT_FALSE(rig.core.run_self_test(rig.now()).ok());
}

// What the core sent from `from` on while in a latched state: nothing may permit RF, start
// a pulse or close the relay there (SR-51).
std::string forbidden_in_latch(const Rig& rig, std::size_t from) {
  for (std::size_t i = from; i < rig.sent.size(); ++i) {
    const Sent& s = rig.sent[i];
    if (!is_latched(s.state)) continue;
    const auto* beat = std::get_if<Heartbeat>(&s.command);
    if (beat && beat->rf_permitted)
      return "an RF-permitting heartbeat in " + std::string(name(s.state));
    if (std::holds_alternative<DeliverPulse>(s.command)) return "a pulse request in a latch";
    if (std::holds_alternative<RelayClose>(s.command)) return "a relay close in a latch";
  }
  return {};
}

// Verifies: SR-51, SR-65
// A fault at any moment of the power-on self-test ends it: from the fault on, no heartbeat
// permits RF, no pulse is requested and the relay never closes again; it stays open.
TEST(SelfTest, AFaultAtAnyPointOfThePowerOnSelfTestEndsItWithTheRelayOpenAndRfOff) {
  int faulted_during_self_test = 0;
  for (int at_ms = 0; at_ms <= 200; ++at_ms) {
    Rig rig;
    rig.core.on_handshake(Board::kGenerator, matched_handshake(Board::kGenerator), rig.now());
    rig.core.on_handshake(Board::kActuator, matched_handshake(Board::kActuator), rig.now());
    rig.core.restore({}, 0, 0, rig.now());
    rig.drain();
    rig.run(milliseconds(at_ms));
    if (rig.core.state() != State::kSelfTest) break;  // past the self-test: done
    rig.boards.gen.heatsink = celsius(80);
    ASSERT_TRUE(rig.run_until_state(State::kFault, milliseconds(3))) << at_ms;
    ++faulted_during_self_test;
    std::size_t fault_at = rig.sent.size();
    for (std::size_t i = 0; i < rig.sent.size(); ++i) {
      if (is_latched(rig.sent[i].state)) {
        fault_at = i;
        break;
      }
    }
    rig.run(milliseconds(500));
    EXPECT_EQ(rig.core.state(), State::kFault) << at_ms;
    EXPECT_EQ(forbidden_in_latch(rig, fault_at), "") << "fault at " << at_ms << " ms";
    EXPECT_FALSE(rig.boards.gen.relay_closed) << at_ms;
    EXPECT_FALSE(rig.core.rf_permitted()) << at_ms;
    EXPECT_FALSE(rig.core.status().self_test.finished) << at_ms;
  }
  // The power-on self-test lasts well over 100 ms: a fault was tried at each of them.
  EXPECT_GT(faulted_during_self_test, 100);
}

// Verifies: SR-55, SR-65
// A board that comes up holding an older latch is a fault: the self-test's dead-man check
// never clears it, only an acknowledge does; the self-test then runs again in full.
TEST(SelfTest, AnOlderBoardLatchAtConnectIsNotClearedByTheDeadManCheck) {
  Rig rig;
  rig.boards.gen.latched = board_fault::kOverTemperature;
  ASSERT_TRUE(rig.power_on());
  rig.run(milliseconds(300));
  EXPECT_EQ(rig.core.state(), State::kFault);
  EXPECT_EQ(rig.boards.gen.latched & board_fault::kOverTemperature, board_fault::kOverTemperature);
  EXPECT_FALSE(rig.boards.gen.relay_closed);
  ASSERT_TRUE(rig.core.acknowledge(rig.now()).ok());
  rig.run(milliseconds(5));
  EXPECT_EQ(rig.boards.gen.latched, 0u);
  EXPECT_EQ(rig.core.state(), State::kSelfTest);
  ASSERT_TRUE(rig.run_until_state(State::kStandby, seconds(5)));
  EXPECT_EQ(rig.core.status().self_test.passed, kSelfTestCheckCount);
}

// Verifies: SR-65
// The dead-man check needs the latch to appear after the heartbeats paused: a board
// already latched passes nothing.
TEST(SelfTest, TheDeadManCheckFailsForABoardAlreadyLatchedBeforeTheHeartbeatsPaused) {
  SelfTest test;
  const CoreConfig config;
  GeneratorSample g;
  ActuatorSample a;
  g.latched_faults = board_fault::kDeadMan;
  Instant now{};
  test.start(now);
  std::optional<SelfTestCheckResult> dead_man;
  for (int i = 0; i < 20 && test.running() && !dead_man; ++i) {
    const SelfTest::Step s = test.step(SelfTestView{g, a, 1, true, true}, now, config);
    if (s.result && s.result->check == SelfTestCheck::kGeneratorDeadMan) dead_man = s.result;
    EXPECT_FALSE(s.command && std::holds_alternative<ClearLatchedFault>(*s.command));
    now += milliseconds(1);
  }
  ASSERT_TRUE(dead_man.has_value());
  EXPECT_FALSE(dead_man->passed);
}

// Verifies: SR-57, SR-65
// Before a board's first sample of its link session the core holds no word of its latch: the
// dead-man check waits for that sample (its heartbeats keep going meanwhile), then judges
// the latch the sample shows; a board already latched fails it and is never cleared by it.
TEST(SelfTest, TheDeadManCheckWaitsForTheBoardsFirstSampleSinceItsHandshake) {
  SelfTest test;
  const CoreConfig config;
  GeneratorSample g;
  ActuatorSample a;
  Instant now{};
  test.start(now);
  for (int i = 0; i < 20; ++i) {
    const SelfTest::Step s = test.step(SelfTestView{g, a, 1, false, false}, now, config);
    EXPECT_FALSE(s.result && s.result->check != SelfTestCheck::kHandshakes);
    EXPECT_FALSE(s.command.has_value());
    EXPECT_FALSE(test.heartbeats_paused(Board::kGenerator));
    EXPECT_EQ(test.expected_latch(Board::kGenerator), 0u);
    now += milliseconds(1);
  }
  g.latched_faults = board_fault::kDeadMan;  // the sample shows the latch from before
  std::optional<SelfTestCheckResult> dead_man;
  for (int i = 0; i < 5 && !dead_man; ++i) {
    const SelfTest::Step s = test.step(SelfTestView{g, a, 1, true, false}, now, config);
    if (s.result && s.result->check == SelfTestCheck::kGeneratorDeadMan) dead_man = s.result;
    EXPECT_FALSE(s.command && std::holds_alternative<ClearLatchedFault>(*s.command));
  }
  ASSERT_TRUE(dead_man.has_value());
  EXPECT_FALSE(dead_man->passed);
}

// Verifies: SR-57, SR-65
// The wait is bounded: a board that sends no sample fails its dead-man check.
TEST(SelfTest, TheDeadManCheckFailsWhenTheBoardSendsNoSampleWithin50Ms) {
  SelfTest test;
  const CoreConfig config;
  GeneratorSample g;
  ActuatorSample a;
  Instant now{};
  test.start(now);
  std::optional<SelfTestCheckResult> dead_man;
  Instant failed_at{};
  for (int i = 0; i < 200 && !dead_man; ++i) {
    const SelfTest::Step s = test.step(SelfTestView{g, a, 1, false, false}, now, config);
    if (s.result && s.result->check == SelfTestCheck::kGeneratorDeadMan) {
      dead_man = s.result;
      failed_at = now;
    }
    now += milliseconds(1);
  }
  ASSERT_TRUE(dead_man.has_value());
  EXPECT_FALSE(dead_man->passed);
  EXPECT_EQ(dead_man->reason, "no telemetry from the board since its handshake");
  EXPECT_GT(failed_at - Instant{}, milliseconds(50));
  EXPECT_LE(failed_at - Instant{}, milliseconds(51));
}

}  // namespace
}  // namespace rfneedle::core::testing
