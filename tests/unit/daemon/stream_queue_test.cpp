#include "controller/daemon/stream_queue.h"

#include <gtest/gtest.h>

namespace rfneedle::daemon {
namespace {

using Kind = SendQueue::Kind;

TEST(SendQueue, WhenFullTelemetryIsCoalescedIntoTheNewest) {
  SendQueue q(3);
  ASSERT_TRUE(q.push(Kind::kEvent, "e1"));
  ASSERT_TRUE(q.push(Kind::kTelemetry, "t1"));
  ASSERT_TRUE(q.push(Kind::kTelemetry, "t2"));
  EXPECT_TRUE(q.push(Kind::kTelemetry, "t3"));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.begin_write(), "e1");
  q.pop();
  EXPECT_EQ(q.begin_write(), "t1");
  q.pop();
  EXPECT_EQ(q.begin_write(), "t3");
  EXPECT_EQ(q.coalesced(), 1u);
}

TEST(SendQueue, AnEventTakesATelemetrySlotAndOtherwiseClosesTheConnection) {
  SendQueue q(2);
  ASSERT_TRUE(q.push(Kind::kEvent, "e1"));
  ASSERT_TRUE(q.push(Kind::kTelemetry, "t1"));
  EXPECT_TRUE(q.push(Kind::kEvent, "e2"));
  EXPECT_FALSE(q.push(Kind::kEvent, "e3"));
}

TEST(SendQueue, TheMessageBeingWrittenIsNeverReplaced) {
  SendQueue q(1);
  ASSERT_TRUE(q.push(Kind::kSnapshot, "s1"));
  EXPECT_EQ(q.begin_write(), "s1");
  EXPECT_FALSE(q.push(Kind::kSnapshot, "s2"));
  EXPECT_TRUE(q.push(Kind::kTelemetry, "t1"));  // dropped, not queued
  EXPECT_EQ(q.size(), 1u);
}

TEST(TelemetryDecimator, SummarisesEvery33SamplesAsMinMaxLast) {
  TelemetryDecimator d;
  std::optional<api::Telemetry> frame;
  for (std::uint32_t i = 0; i < TelemetryDecimator::kSamplesPerFrame; ++i) {
    TelemetrySample s;
    s.at = 1000 + i;
    s.generator.impedance = Ohms{200 + (i % 5) * 10};
    s.generator.rf_active = i == 3;
    frame = d.add(s);
    if (i + 1 < TelemetryDecimator::kSamplesPerFrame) {
      ASSERT_FALSE(frame);
    }
  }
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->samples(), 33u);
  EXPECT_EQ(frame->impedance_ohm().min(), 200);
  EXPECT_EQ(frame->impedance_ohm().max(), 240);
  EXPECT_EQ(frame->impedance_ohm().last(), 220);
  EXPECT_TRUE(frame->rf_active());
}

}  // namespace
}  // namespace rfneedle::daemon
