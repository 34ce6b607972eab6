// Frame layout (docs/protocol.md, "Frame"): COBS(header | payload | CRC-32C LE) 0x00.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>

#include "hal/cobs.h"
#include "hal/crc32c.h"
#include "hal/frame.h"
#include "tests/unit/hal/frame_test_support.h"

namespace rfneedle::hal {
namespace {

using test::Bytes;
using test::frame_bytes;

Bytes unstuffed(const Bytes& wire) {
  EXPECT_EQ(wire.back(), 0x00);
  Bytes frame(wire.size());
  const auto size = cobs_decode({wire.data(), wire.size() - 1}, frame);
  EXPECT_TRUE(size);
  frame.resize(size.value_or(0));
  return frame;
}

TEST(FrameEncode, LaysOutHeaderLittleEndianThenPayloadThenCrcLittleEndian) {
  const FrameHeader header{.version = 1, .flags = 0x03, .seq = 0x1234, .ack = 0xABCD};
  const Bytes frame = unstuffed(frame_bytes(header, {0x10, 0x20, 0x30}));
  ASSERT_EQ(frame.size(), kHeaderBytes + 3 + kCrcBytes);
  EXPECT_EQ(Bytes(frame.begin(), frame.begin() + 9),
            (Bytes{0x01, 0x03, 0x34, 0x12, 0xCD, 0xAB, 0x10, 0x20, 0x30}));
  const std::uint32_t crc = crc32c({frame.data(), 9});
  EXPECT_EQ(Bytes(frame.begin() + 9, frame.end()),
            (Bytes{static_cast<std::uint8_t>(crc), static_cast<std::uint8_t>(crc >> 8),
                   static_cast<std::uint8_t>(crc >> 16), static_cast<std::uint8_t>(crc >> 24)}));
}

TEST(FrameEncode, EndsWithTheOnlyZeroByte) {
  const Bytes wire = frame_bytes({}, Bytes(40, 0x00));
  ASSERT_FALSE(wire.empty());
  EXPECT_EQ(std::count(wire.begin(), wire.end(), 0x00), 1);
  EXPECT_EQ(wire.back(), 0x00);
}

TEST(FrameEncode, AcceptsTheLargestPayloadWithinMaxWireBytes) {
  const Bytes wire = frame_bytes({}, Bytes(kMaxPayloadBytes, 0x5A));
  EXPECT_GT(wire.size(), 0u);
  EXPECT_LE(wire.size(), kMaxWireBytes);
}

TEST(FrameEncode, RefusesAPayloadOverKMaxPayloadBytes) {
  Bytes out(2 * kMaxWireBytes);
  EXPECT_EQ(encode_frame({}, Bytes(kMaxPayloadBytes + 1, 0x5A), out), 0u);
}

TEST(FrameEncode, RefusesEveryOutputBufferTooSmall) {
  const Bytes payload(30, 0x00);
  const std::size_t needed = frame_bytes({}, payload).size();
  for (std::size_t size = 0; size < needed; ++size) {
    Bytes out(size);
    EXPECT_EQ(encode_frame({}, payload, out), 0u) << size;
  }
  Bytes exact(needed);
  EXPECT_EQ(encode_frame({}, payload, exact), needed);
}

TEST(FrameEncode, AFrameUpTo52PayloadBytesStaysWithinThePulseWireLimit) {
  Bytes payload(kMaxPulsePayloadBytes);
  std::iota(payload.begin(), payload.end(), std::uint8_t{1});
  EXPECT_EQ(frame_bytes({.flags = 0xFF, .seq = 0xFFFF, .ack = 0xFFFF}, payload).size(),
            kPulseWireLimit);
  payload.push_back(1);
  EXPECT_GT(frame_bytes({}, payload).size(), kPulseWireLimit);
}

}  // namespace
}  // namespace rfneedle::hal
