// The queue between two real threads under load (labelled tsan: ThreadSanitizer checks
// the hand-off): every item arrives exactly once and in order, though both sides spin on
// a small queue that is full or empty most of the time.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

#include "controller/daemon/spsc_queue.h"

namespace rfneedle::daemon {
namespace {

struct Item {
  std::uint64_t sequence = 0;
  std::uint64_t check = 0;  // a payload wider than one word, so a torn read would show
};

TEST(SpscQueueThreads, EveryItemArrivesOnceAndInOrderUnderLoad) {
  constexpr std::uint64_t kItems = 500'000;
  SpscQueue<Item> q(16);
  std::thread producer([&] {
    for (std::uint64_t i = 1; i <= kItems;) {
      if (q.try_push(Item{i, ~i})) {
        ++i;
      } else {
        std::this_thread::yield();
      }
    }
  });
  std::uint64_t expected = 1;
  std::uint64_t mismatches = 0;
  Item item;
  while (expected <= kItems) {
    if (!q.try_pop(item)) {
      std::this_thread::yield();
      continue;
    }
    mismatches += (item.sequence != expected || item.check != ~expected) ? 1 : 0;
    ++expected;
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
  EXPECT_FALSE(q.try_pop(item));
}

}  // namespace
}  // namespace rfneedle::daemon
