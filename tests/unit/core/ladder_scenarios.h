// Shared steps of the ladder scenarios: drive the rig into a pulse, check the safe
// state's order, and clear a fault by its policy.
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {

// RF-off goes first: abort, heartbeats without permission, and on a fault the relay.
inline void expect_rf_off_first(const Rig& rig, bool relay) {
  ASSERT_GE(rig.sent.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Abort>(rig.sent[0].command));
  const auto* beat = std::get_if<Heartbeat>(&rig.sent[1].command);
  ASSERT_NE(beat, nullptr);
  EXPECT_FALSE(beat->rf_permitted);
  bool relay_opened = false;
  for (std::size_t i = 0; i < 4 && i < rig.sent.size(); ++i) {
    relay_opened = relay_opened || std::holds_alternative<RelayOpen>(rig.sent[i].command);
  }
  EXPECT_EQ(relay_opened, relay);
}

// Ready, trigger held, `ms` into the RF pulse, logs cleared.
inline void energize(Rig& rig, int ms, const PulseParameters& p = Rig::parameters()) {
  ASSERT_TRUE(rig.ready(p));
  rig.boards.act.press();
  ASSERT_TRUE(rig.run_until_state(State::kEnergizing));
  rig.run(milliseconds(ms));
  rig.clear_logs();
}

// Latched faults: each trips, reaches the safe state in order, and clears only by an
// acknowledge once its cause is gone.
inline void expect_fault_then_acknowledge(Rig& rig, Condition c,
                                          const std::function<void()>& cure) {
  EXPECT_EQ(rig.core.state(), State::kFault) << spec(c).name;
  EXPECT_TRUE(rig.core.interlocks().in_effect(c)) << spec(c).name;
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kHigh);
  rig.boards.act.release();
  rig.run(milliseconds(400));
  EXPECT_EQ(rig.boards.motion_while_rf, 0);
  if (rig.core.interlocks().present(c)) {
    EXPECT_FALSE(rig.core.acknowledge(rig.now()).ok());
  }
  cure();
  rig.run(milliseconds(50));
  EXPECT_TRUE(rig.core.acknowledge(rig.now()).ok()) << spec(c).name;
  rig.run(milliseconds(150));
  EXPECT_EQ(rig.core.state(), State::kStandby) << spec(c).name;
}

// A fault held only by a board's latch (no detector of the core's own sees its cause): the
// acknowledge itself clears the board's latch, so it is accepted at once.
inline void expect_board_latch_fault_then_acknowledge(Rig& rig, Condition c) {
  EXPECT_EQ(rig.core.state(), State::kFault) << spec(c).name;
  EXPECT_TRUE(rig.core.interlocks().in_effect(c)) << spec(c).name;
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kHigh);
  rig.boards.act.release();
  rig.run(milliseconds(400));
  EXPECT_EQ(rig.boards.motion_while_rf, 0);
  EXPECT_TRUE(rig.core.interlocks().present(c)) << "the board still holds it";
  EXPECT_TRUE(rig.core.acknowledge(rig.now()).ok()) << spec(c).name;
  rig.run(milliseconds(150));
  EXPECT_EQ(rig.core.state(), State::kStandby) << spec(c).name;
}

}  // namespace rfneedle::core::testing
