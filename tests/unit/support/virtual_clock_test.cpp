#include "tests/support/virtual_clock.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace rfneedle::testing {
namespace {

TEST(VirtualClock, StartsAtTheGivenInstantAndMovesOnlyWhenAdvanced) {
  VirtualClock clock(Instant(milliseconds(5)));
  EXPECT_EQ(clock.now(), Instant(milliseconds(5)));
  clock.advance(microseconds(250));
  EXPECT_EQ(clock.now(), Instant(microseconds(5250)));
}

TEST(VirtualClock, FiresTimersInDeadlineOrderEachAtItsOwnDeadline) {
  VirtualClock clock;
  std::vector<std::pair<int, Instant>> fired;
  clock.call_after(milliseconds(3), [&] { fired.emplace_back(3, clock.now()); });
  clock.call_after(milliseconds(1), [&] { fired.emplace_back(1, clock.now()); });
  clock.call_after(milliseconds(2), [&] { fired.emplace_back(2, clock.now()); });
  clock.advance(milliseconds(10));
  ASSERT_EQ(fired.size(), 3U);
  EXPECT_EQ(fired[0], std::make_pair(1, Instant(milliseconds(1))));
  EXPECT_EQ(fired[1], std::make_pair(2, Instant(milliseconds(2))));
  EXPECT_EQ(fired[2], std::make_pair(3, Instant(milliseconds(3))));
  EXPECT_EQ(clock.now(), Instant(milliseconds(10)));
}

TEST(VirtualClock, TimersDueAtTheSameInstantFireInTheOrderTheyWereSet) {
  VirtualClock clock;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) {
    clock.call_at(Instant(milliseconds(1)), [&order, i] { order.push_back(i); });
  }
  clock.advance(milliseconds(1));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(VirtualClock, DoesNotFireATimerBeforeItsDeadline) {
  VirtualClock clock;
  bool fired = false;
  clock.call_after(microseconds(1000), [&] { fired = true; });
  clock.advance(microseconds(999));
  EXPECT_FALSE(fired);
  clock.advance(microseconds(1));
  EXPECT_TRUE(fired);
}

TEST(VirtualClock, PeriodicTimerFiresEveryPeriodUntilCancelled) {
  VirtualClock clock;
  int ticks = 0;
  auto id = clock.call_every(milliseconds(1), [&] { ++ticks; });
  clock.advance(milliseconds(10));
  EXPECT_EQ(ticks, 10);
  EXPECT_TRUE(clock.cancel(id));
  clock.advance(milliseconds(10));
  EXPECT_EQ(ticks, 10);
  EXPECT_FALSE(clock.cancel(id));
}

TEST(VirtualClock, APeriodicCallbackMayCancelItself) {
  VirtualClock clock;
  int ticks = 0;
  VirtualClock::TimerId id = 0;
  id = clock.call_every(milliseconds(1), [&] {
    if (++ticks == 3) {
      clock.cancel(id);
    }
  });
  clock.advance(milliseconds(10));
  EXPECT_EQ(ticks, 3);
  EXPECT_EQ(clock.pending(), 0U);
}

TEST(VirtualClock, TimersSetByCallbacksFireWithinTheSameAdvanceWhenDue) {
  VirtualClock clock;
  std::vector<Instant> fired;
  clock.call_after(milliseconds(1), [&] {
    fired.push_back(clock.now());
    clock.call_after(milliseconds(1), [&] { fired.push_back(clock.now()); });
    clock.call_after(milliseconds(5), [&] { fired.push_back(clock.now()); });
  });
  clock.advance(milliseconds(3));
  EXPECT_EQ(fired, (std::vector<Instant>{Instant(milliseconds(1)), Instant(milliseconds(2))}));
  EXPECT_EQ(clock.pending(), 1U);
}

TEST(VirtualClock, CancelledTimerNeverFires) {
  VirtualClock clock;
  bool fired = false;
  auto id = clock.call_after(milliseconds(1), [&] { fired = true; });
  EXPECT_TRUE(clock.cancel(id));
  clock.advance(milliseconds(2));
  EXPECT_FALSE(fired);
}

TEST(VirtualClock, OneShotTimerCannotBeCancelledAfterItFired) {
  VirtualClock clock;
  auto id = clock.call_after(milliseconds(1), [] {});
  clock.advance(milliseconds(1));
  EXPECT_FALSE(clock.cancel(id));
}

TEST(VirtualClock, ADeadlineInThePastFiresAtTheCurrentTime) {
  VirtualClock clock(Instant(milliseconds(10)));
  Instant fired_at{};
  clock.call_at(Instant(milliseconds(2)), [&] { fired_at = clock.now(); });
  clock.advance(Duration::zero());
  EXPECT_EQ(fired_at, Instant(milliseconds(10)));
}

TEST(VirtualClock, AdvanceToNextTimerJumpsToTheEarliestDeadline) {
  VirtualClock clock;
  int fired = 0;
  clock.call_after(milliseconds(7), [&] { ++fired; });
  clock.call_after(milliseconds(7), [&] { ++fired; });
  clock.call_after(milliseconds(9), [&] { ++fired; });
  ASSERT_EQ(clock.next_deadline(), Instant(milliseconds(7)));
  EXPECT_TRUE(clock.advance_to_next_timer());
  EXPECT_EQ(clock.now(), Instant(milliseconds(7)));
  EXPECT_EQ(fired, 2);
  EXPECT_TRUE(clock.advance_to_next_timer());
  EXPECT_EQ(clock.now(), Instant(milliseconds(9)));
  EXPECT_EQ(fired, 3);
  EXPECT_FALSE(clock.advance_to_next_timer());
  EXPECT_FALSE(clock.next_deadline().has_value());
}

TEST(VirtualClock, RefusesToGoBackwardsAndRejectsAZeroPeriod) {
  VirtualClock clock(Instant(milliseconds(5)));
  EXPECT_THROW(clock.advance_to(Instant(milliseconds(4))), std::invalid_argument);
  EXPECT_THROW(clock.call_every(Duration::zero(), [] {}), std::invalid_argument);
}

}  // namespace
}  // namespace rfneedle::testing
