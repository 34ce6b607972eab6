// A serial device missing before the first handshakes keeps the core Connecting while the
// shell retries; the same silence after them is the latched link fault (issue 9, SR-33).
#include <gtest/gtest.h>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

// Verifies: SR-33
TEST(Connecting, ALinkSilentBeforeTheHandshakesIsABoardNotYetConnectedNotAFault) {
  Rig rig;
  rig.core.restore({}, 0, 0, rig.now());
  rig.core.on_link_fault(Board::kGenerator, rig.now());
  rig.core.on_link_fault(Board::kActuator, rig.now());
  rig.core.tick(rig.now());
  EXPECT_EQ(rig.core.state(), State::kConnecting);
  EXPECT_FALSE(rig.core.interlocks().in_effect(Condition::kLinkFault));
  // The boards answer later: the power-on self-test runs as usual.
  EXPECT_TRUE(rig.power_on());
}

// Verifies: SR-33
TEST(Connecting, ALinkLostAfterTheHandshakesIsTheLatchedLinkFault) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  rig.core.on_link_fault(Board::kActuator, rig.now());
  EXPECT_EQ(rig.core.state(), State::kFault);
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kLinkFault));
}

}  // namespace
}  // namespace rfneedle::core::testing
