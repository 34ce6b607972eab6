// Trigger model: two contacts with a small skew, and stuck contacts.
#include "simulator/model/trigger.h"

#include <gtest/gtest.h>

namespace rfneedle::sim {
namespace {

using std::chrono::milliseconds;

constexpr Instant kPress = Instant{} + milliseconds(100);

TEST(Trigger, PressClosesContactAThenContactB3msLater) {
  TriggerModel trigger;
  EXPECT_FALSE(trigger.contact_a(kPress - milliseconds(1)));
  trigger.press(kPress);
  EXPECT_TRUE(trigger.contact_a(kPress));
  EXPECT_FALSE(trigger.contact_b(kPress + milliseconds(2)));
  EXPECT_TRUE(trigger.contact_b(kPress + milliseconds(3)));
}

TEST(Trigger, ReleaseOpensThemInTheSameOrder) {
  TriggerModel trigger;
  trigger.press(kPress);
  const Instant release = kPress + milliseconds(200);
  trigger.release(release);
  EXPECT_FALSE(trigger.contact_a(release));
  EXPECT_TRUE(trigger.contact_b(release + milliseconds(2)));
  EXPECT_FALSE(trigger.contact_b(release + milliseconds(3)));
}

TEST(TriggerFaultHooks, AStuckContactReadsClosedAfterRelease) {
  TriggerModel trigger;
  trigger.set_stuck(false, true);
  EXPECT_FALSE(trigger.contact_a(kPress));
  EXPECT_TRUE(trigger.contact_b(kPress));
  trigger.set_stuck(true, true);
  trigger.press(kPress);
  trigger.release(kPress + milliseconds(100));
  EXPECT_TRUE(trigger.contact_a(kPress + milliseconds(200)));
  EXPECT_TRUE(trigger.contact_b(kPress + milliseconds(200)));
}

}  // namespace
}  // namespace rfneedle::sim
