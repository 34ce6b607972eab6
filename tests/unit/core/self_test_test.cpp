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
  EXPECT_EQ(rig.sent_of<ClearLatchedFault>().size(), 2u);
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

}  // namespace
}  // namespace rfneedle::core::testing
