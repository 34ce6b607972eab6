#include "tests/support/alloc_counter.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace rfneedle::testing {
namespace {

TEST(AllocationCounter, CountsEveryAllocationThroughOperatorNew) {
  const auto before = allocation_count();
  auto one = std::make_unique<int>(1);
  std::vector<int> many(100);
  EXPECT_EQ(allocation_count() - before, 2U);
}

TEST(AllocationCounter, CountsNothingWhenNothingIsAllocated) {
  std::vector<int> reused(100);
  const auto before = allocation_count();
  for (int i = 0; i < 100; ++i) {
    reused[static_cast<std::size_t>(i)] = i;
  }
  EXPECT_EQ(allocation_count(), before);
}

}  // namespace
}  // namespace rfneedle::testing
