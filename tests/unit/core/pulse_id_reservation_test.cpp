// SR-68 without the safety thread waiting: the store reserves pulse IDs ahead, and the
// core never sends a pulse command whose ID lies past the reservation.
#include <gtest/gtest.h>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

// How many pulse IDs the power-on self-test uses.
std::uint64_t self_test_pulse_ids() {
  Rig probe;
  EXPECT_TRUE(probe.power_on());
  return probe.core.status().last_pulse_id;
}

// Verifies: SR-68
TEST(PulseIdReservation, APulsePastTheReservedIdsWaitsUntilTheStoreReservesMore) {
  const std::uint64_t used = self_test_pulse_ids();
  // The self-test's IDs and one for the treatment.
  Rig rig(CoreConfig{}, used + 1);
  ASSERT_TRUE(rig.power_on());
  ASSERT_EQ(rig.core.status().last_pulse_id, used);
  ASSERT_TRUE(rig.core.open_session(Rig::session_request(), rig.now()).ok());
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  ASSERT_TRUE(rig.core.arm(rig.now()).ok());
  ASSERT_TRUE(rig.run_until_state(State::kReady, milliseconds(50)));
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kPulseIdNotReserved));
  rig.clear_logs();

  rig.press_and_hold();
  ASSERT_EQ(rig.sent_of<DeliverPulse>().size(), 1u);
  EXPECT_EQ(std::get<DeliverPulse>(rig.sent_of<DeliverPulse>()[0].command).pulse_id, used + 1);
  // The last reserved ID is used: the next pulse waits, on the wait rung.
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kPulseIdNotReserved));
  EXPECT_EQ(spec(Condition::kPulseIdNotReserved).action, Action::kWait);
  rig.run(milliseconds(400));
  rig.press_and_hold();
  EXPECT_EQ(rig.sent_of<DeliverPulse>().size(), 1u);
  EXPECT_EQ(rig.core.state(), State::kReady);

  rig.core.allow_pulse_ids_up_to(used + 2, rig.now());
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kPulseIdNotReserved));
  rig.press_and_hold();
  ASSERT_EQ(rig.sent_of<DeliverPulse>().size(), 2u);
  EXPECT_EQ(std::get<DeliverPulse>(rig.sent_of<DeliverPulse>()[1].command).pulse_id, used + 2);
}

// Verifies: SR-68
TEST(PulseIdReservation, AReservationNeverShrinks) {
  const std::uint64_t used = self_test_pulse_ids();
  Rig rig(CoreConfig{}, used + 1);
  rig.core.allow_pulse_ids_up_to(0, rig.now());
  ASSERT_TRUE(rig.ready());
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kPulseIdNotReserved));
  rig.press_and_hold();
  EXPECT_EQ(rig.sent_of<DeliverPulse>().size(), 1u);
}

// Verifies: SR-68
TEST(PulseIdReservation, NoSelfTestPulseIsSentWithoutAReservedId) {
  Rig rig(CoreConfig{}, 0);
  (void)rig.power_on();
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kPulseIdNotReserved));
  EXPECT_NE(rig.core.state(), State::kStandby);
}

}  // namespace
}  // namespace rfneedle::core::testing
