// GET /metrics across the threads (issue 14), under ThreadSanitizer: the safety thread's
// side only touches its atomics (a histogram, the link figures) while the service thread
// scrapes; after the writer ends, one more scrape shows every observation exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "controller/daemon/metrics.h"
#include "tests/support/prometheus_text.h"

namespace rfneedle::daemon {
namespace {

using rfneedle::testing::sample;

TEST(MetricsThreads, ScrapesWhileTheSafetyThreadObservesCountEachObservationOnce) {
  SafetyLoopCounters loop;
  SafetyChannels channels{QueueCapacities{}};
  MetricsBook book(BuildInfo{"v", "c", "p"});
  MetricsInputs in;
  in.loop = &loop;
  in.channels = &channels;
  constexpr int kObservations = 20'000;
  std::atomic<bool> done{false};
  std::thread safety([&] {
    for (int i = 0; i < kObservations; ++i) {
      loop.tick_lateness.observe(std::chrono::microseconds(i % 3000));
      loop.ticks.fetch_add(1, std::memory_order_relaxed);
      loop.links[0].frames_sent.store(static_cast<std::uint64_t>(i + 1),
                                      std::memory_order_relaxed);
      (void)channels.telemetry.try_push(TelemetrySample{});
    }
    done.store(true, std::memory_order_release);
  });
  int scrapes = 0;
  TelemetrySample taken;
  while (!done.load(std::memory_order_acquire) || scrapes == 0) {
    (void)book.scrape(in);
    while (channels.telemetry.try_pop(taken)) {
    }
    ++scrapes;
  }
  safety.join();
  const std::string text = book.scrape(in);
  EXPECT_EQ(sample(text, "rfneedle_safety_tick_lateness_seconds_count"), kObservations) << text;
  EXPECT_EQ(sample(text, R"(rfneedle_safety_tick_lateness_seconds_bucket{le="+Inf"})"),
            kObservations);
  EXPECT_EQ(sample(text, "rfneedle_safety_ticks_total"), kObservations);
  EXPECT_EQ(sample(text, R"(rfneedle_link_frames_sent_total{board="generator"})"), kObservations);
  EXPECT_GT(scrapes, 0);
}

}  // namespace
}  // namespace rfneedle::daemon
