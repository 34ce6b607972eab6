#include "tests/support/faulty_byte_channel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace rfneedle::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes counting_bytes(std::size_t n, std::uint8_t first = 0) {
  Bytes b(n);
  std::iota(b.begin(), b.end(), first);
  return b;
}

// One direction of a channel with a recorder at its receiving end.
struct Line {
  explicit Line(FaultyByteChannel::Options options = {}) : channel(clock, options) {
    channel.set_receiver(Direction::kAToB, [this](std::span<const std::uint8_t> bytes) {
      chunks.emplace_back(bytes.begin(), bytes.end());
      arrivals.push_back(clock.now());
    });
  }
  Bytes received() const {
    Bytes all;
    for (const auto& c : chunks) {
      all.insert(all.end(), c.begin(), c.end());
    }
    return all;
  }
  VirtualClock clock;
  FaultyByteChannel channel;
  std::vector<Bytes> chunks;
  std::vector<Instant> arrivals;
};

TEST(FaultyByteChannel, ACleanLineDeliversEveryByteInOrder) {
  Line line;
  for (std::uint8_t i = 0; i < 10; ++i) {
    line.channel.send_from_a(counting_bytes(20, static_cast<std::uint8_t>(i * 20)));
  }
  line.clock.advance(milliseconds(100));
  EXPECT_EQ(line.received(), counting_bytes(200));
  EXPECT_EQ(line.channel.stats(Direction::kAToB).bytes_delivered, 200U);
}

TEST(FaultyByteChannel, AChunkArrivesWhenItsLastByteWouldAtTheLineRate) {
  // 92.16 bytes/ms (921 600 baud 8N1): 64 bytes take 694.4 us, rounded up to 695 us.
  Line line;
  line.channel.send_from_a(counting_bytes(64));
  line.clock.advance(microseconds(694));
  EXPECT_TRUE(line.chunks.empty());
  line.clock.advance(microseconds(1));
  ASSERT_EQ(line.arrivals.size(), 1U);
  EXPECT_EQ(line.arrivals[0], Instant(microseconds(695)));
}

TEST(FaultyByteChannel, BackToBackChunksQueueBehindEachOtherOnTheLine) {
  Line line(FaultyByteChannel::Options{.seed = 1, .bytes_per_ms = 100.0});
  line.channel.send_from_a(counting_bytes(100));
  line.channel.send_from_a(counting_bytes(50));
  line.clock.advance(milliseconds(5));
  ASSERT_EQ(line.arrivals.size(), 2U);
  EXPECT_EQ(line.arrivals[0], Instant(milliseconds(1)));
  EXPECT_EQ(line.arrivals[1], Instant(microseconds(1500)));
}

TEST(FaultyByteChannel, ZeroRateDeliversOnTheNextAdvanceWithoutLineDelay) {
  Line line(FaultyByteChannel::Options{.seed = 1, .bytes_per_ms = 0});
  line.channel.send_from_a(counting_bytes(1000));
  line.clock.advance(Duration::zero());
  ASSERT_EQ(line.arrivals.size(), 1U);
  EXPECT_EQ(line.arrivals[0], Instant{});
}

TEST(FaultyByteChannel, DirectionsAreIndependent) {
  VirtualClock clock;
  FaultyByteChannel channel(clock, {});
  Bytes at_a;
  Bytes at_b;
  channel.set_receiver(Direction::kAToB,
                       [&](auto bytes) { at_b.insert(at_b.end(), bytes.begin(), bytes.end()); });
  channel.set_receiver(Direction::kBToA,
                       [&](auto bytes) { at_a.insert(at_a.end(), bytes.begin(), bytes.end()); });
  channel.set_rates(Direction::kAToB, {.drop_byte = 1.0});
  channel.send_from_a(counting_bytes(10));
  channel.send_from_b(counting_bytes(10, 100));
  clock.advance(milliseconds(1));
  EXPECT_TRUE(at_b.empty());
  EXPECT_EQ(at_a, counting_bytes(10, 100));
}

TEST(FaultyByteChannel, DropRateLosesAboutThatShareOfBytes) {
  Line line;
  line.channel.set_rates(Direction::kAToB, {.drop_byte = 0.1});
  for (int i = 0; i < 100; ++i) {
    line.channel.send_from_a(counting_bytes(100));
  }
  line.clock.advance(milliseconds(200));
  const auto& stats = line.channel.stats(Direction::kAToB);
  EXPECT_GT(stats.bytes_dropped, 800U);
  EXPECT_LT(stats.bytes_dropped, 1200U);
  EXPECT_EQ(stats.bytes_dropped + stats.bytes_delivered, 10000U);
}

TEST(FaultyByteChannel, CorruptionFlipsExactlyOneBitInEachCorruptedByte) {
  Line line;
  line.channel.set_rates(Direction::kAToB, {.corrupt_byte = 0.2});
  const Bytes sent = counting_bytes(250);
  line.channel.send_from_a(sent);
  line.clock.advance(milliseconds(10));
  const Bytes got = line.received();
  ASSERT_EQ(got.size(), sent.size());
  std::uint64_t differing = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto diff = static_cast<unsigned>(sent[i] ^ got[i]);
    if (diff != 0) {
      ++differing;
      EXPECT_EQ(__builtin_popcount(diff), 1) << "byte " << i;
    }
  }
  EXPECT_GT(differing, 0U);
  EXPECT_EQ(differing, line.channel.stats(Direction::kAToB).bytes_corrupted);
}

TEST(FaultyByteChannel, DuplicateRateDeliversAChunkTwice) {
  Line line;
  line.channel.set_rates(Direction::kAToB, {.duplicate_chunk = 1.0});
  line.channel.send_from_a(counting_bytes(5));
  line.clock.advance(milliseconds(1));
  ASSERT_EQ(line.chunks.size(), 2U);
  EXPECT_EQ(line.chunks[0], line.chunks[1]);
}

TEST(FaultyByteChannel, ReorderDeliversAChunkAfterTheNextOne) {
  Line line;
  line.channel.script({.direction = Direction::kAToB,
                       .fault = LineFault::kReorder,
                       .start = Instant{},
                       .length = microseconds(1)});
  line.channel.send_from_a(Bytes{1});
  line.clock.advance(milliseconds(1));
  EXPECT_TRUE(line.chunks.empty());
  line.channel.send_from_a(Bytes{2});
  line.clock.advance(milliseconds(1));
  EXPECT_EQ(line.chunks, (std::vector<Bytes>{{2}, {1}}));
}

TEST(FaultyByteChannel, ScriptedDropLosesOnlyWhatIsSentInItsWindow) {
  Line line(FaultyByteChannel::Options{.seed = 1, .bytes_per_ms = 0});
  line.channel.script({.direction = Direction::kAToB,
                       .fault = LineFault::kDrop,
                       .start = Instant(milliseconds(10)),
                       .length = milliseconds(5)});
  for (std::uint8_t ms = 0; ms < 20; ++ms) {
    line.channel.send_from_a(Bytes{ms});
    line.clock.advance(milliseconds(1));
  }
  Bytes expected;
  for (std::uint8_t ms = 0; ms < 20; ++ms) {
    if (ms < 10 || ms >= 15) {
      expected.push_back(ms);
    }
  }
  EXPECT_EQ(line.received(), expected);
}

TEST(FaultyByteChannel, ScriptedDelayHoldsChunksBackButKeepsThemInOrder) {
  Line line(FaultyByteChannel::Options{.seed = 1, .bytes_per_ms = 0});
  line.channel.script({.direction = Direction::kAToB,
                       .fault = LineFault::kDelay,
                       .start = Instant{},
                       .length = milliseconds(1),
                       .delay = milliseconds(3)});
  line.channel.send_from_a(Bytes{1});
  line.clock.advance(milliseconds(1));
  line.channel.send_from_a(Bytes{2});  // after the window: no extra delay, but FIFO
  line.clock.advance(milliseconds(5));
  ASSERT_EQ(line.arrivals.size(), 2U);
  EXPECT_EQ(line.arrivals[0], Instant(milliseconds(3)));
  EXPECT_EQ(line.arrivals[1], Instant(milliseconds(3)));
  EXPECT_EQ(line.received(), (Bytes{1, 2}));
}

TEST(FaultyByteChannel, StallHoldsEverythingUntilTheWindowEndsThenDeliversInOrder) {
  Line line(FaultyByteChannel::Options{.seed = 1, .bytes_per_ms = 0});
  line.channel.script({.direction = Direction::kAToB,
                       .fault = LineFault::kStall,
                       .start = Instant(milliseconds(2)),
                       .length = milliseconds(10)});
  for (std::uint8_t ms = 0; ms < 15; ++ms) {
    line.channel.send_from_a(Bytes{ms});
    line.clock.advance(milliseconds(1));
  }
  EXPECT_EQ(line.received(), counting_bytes(15));
  for (std::size_t i = 2; i < 12; ++i) {
    EXPECT_EQ(line.arrivals[i], Instant(milliseconds(12))) << "chunk " << i;
  }
}

TEST(FaultyByteChannel, DisconnectLosesBytesSentOrArrivingWhileCut) {
  Line line;
  line.channel.script({.direction = Direction::kAToB,
                       .fault = LineFault::kDisconnect,
                       .start = Instant(microseconds(500)),
                       .length = milliseconds(5)});
  line.channel.send_from_a(counting_bytes(64));  // still on the line when it is cut
  line.clock.advance(milliseconds(1));
  line.channel.send_from_a(counting_bytes(8));  // sent while cut
  line.clock.advance(milliseconds(10));
  line.channel.send_from_a(counting_bytes(8));  // after reconnection
  line.clock.advance(milliseconds(1));
  EXPECT_FALSE(line.channel.connected(Direction::kAToB, Instant(milliseconds(1))));
  EXPECT_TRUE(line.channel.connected(Direction::kAToB, line.clock.now()));
  EXPECT_EQ(line.received(), counting_bytes(8));
  EXPECT_EQ(line.channel.stats(Direction::kAToB).bytes_dropped, 72U);
}

TEST(FaultyByteChannel, TheSameSeedGivesTheSameBytesAtTheSameInstants) {
  auto run = [](std::uint64_t seed) {
    Line line(FaultyByteChannel::Options{.seed = seed});
    line.channel.set_rates(Direction::kAToB, {.drop_byte = 0.05,
                                              .corrupt_byte = 0.05,
                                              .duplicate_chunk = 0.1,
                                              .reorder_chunk = 0.1,
                                              .delay_jitter = microseconds(300)});
    for (int i = 0; i < 200; ++i) {
      line.channel.send_from_a(counting_bytes(30, static_cast<std::uint8_t>(i)));
      line.clock.advance(microseconds(400));
    }
    line.clock.advance(milliseconds(50));
    return std::make_pair(line.chunks, line.arrivals);
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42).first, run(43).first);
}

TEST(FaultyByteChannel, RejectsRatesOutsideZeroToOne) {
  VirtualClock clock;
  FaultyByteChannel channel(clock, {});
  EXPECT_THROW(channel.set_rates(Direction::kAToB, {.drop_byte = 1.5}), std::invalid_argument);
  EXPECT_THROW(channel.set_rates(Direction::kAToB, {.corrupt_byte = -0.1}), std::invalid_argument);
}

}  // namespace
}  // namespace rfneedle::testing
