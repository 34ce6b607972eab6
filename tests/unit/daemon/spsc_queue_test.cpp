#include "controller/daemon/spsc_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace rfneedle::daemon {
namespace {

TEST(SpscQueue, HoldsExactlyItsCapacityAndRefusesTheNextWithoutTouchingIt) {
  SpscQueue<int> q(3);
  EXPECT_EQ(q.capacity(), 3u);
  EXPECT_TRUE(q.try_push(1));
  EXPECT_TRUE(q.try_push(2));
  EXPECT_TRUE(q.try_push(3));
  std::string kept = "kept";
  SpscQueue<std::string> s(1);
  EXPECT_TRUE(s.try_push(std::string("first")));
  EXPECT_FALSE(s.try_push(std::move(kept)));
  EXPECT_EQ(kept, "kept");  // a refused item is not moved from
  EXPECT_FALSE(q.try_push(4));
}

TEST(SpscQueue, GivesItemsBackInOrderAndSaysWhenEmpty) {
  SpscQueue<int> q(2);
  int out = 0;
  EXPECT_FALSE(q.try_pop(out));
  EXPECT_TRUE(q.empty_approx());
  for (int round = 0; round < 10; ++round) {  // wraps around the slots many times
    EXPECT_TRUE(q.try_push(2 * round));
    EXPECT_TRUE(q.try_push(2 * round + 1));
    ASSERT_TRUE(q.try_pop(out));
    EXPECT_EQ(out, 2 * round);
    ASSERT_TRUE(q.try_pop(out));
    EXPECT_EQ(out, 2 * round + 1);
    EXPECT_FALSE(q.try_pop(out));
  }
}

TEST(SpscQueue, MovesItemsWithoutCopying) {
  SpscQueue<std::unique_ptr<int>> q(1);
  EXPECT_TRUE(q.try_push(std::make_unique<int>(7)));
  std::unique_ptr<int> out;
  ASSERT_TRUE(q.try_pop(out));
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(*out, 7);
}

}  // namespace
}  // namespace rfneedle::daemon
