// The frame decoder (DESIGN 3, SR-32): one byte at a time over a fixed buffer; valid
// frames only; resynchronises at the next 0x00; counts each error kind separately.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "hal/frame.h"
#include "tests/unit/hal/frame_test_support.h"

namespace rfneedle::hal {
namespace {

using test::Bytes;
using test::frame_bytes;
using test::outcomes;
using test::payload_of;
using Outcomes = std::vector<DecodeStatus>;

const FrameHeader kHeader{
    .flags = frame_flags::kReliable | frame_flags::kAckValid, .seq = 0x0102, .ack = 0x0304};
const Bytes kPayload{0x08, 0x2A, 0x1A, 0x00, 0x10, 0x00, 0xFF, 0x01};

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const auto& part : parts) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

// COBS of the given unencoded frame bytes (no CRC added), with its delimiter.
Bytes stuffed(const Bytes& frame) {
  Bytes wire(cobs_max_encoded_size(frame.size()) + 1);
  const auto size = cobs_encode(frame, wire);
  wire.resize(*size + 1);
  wire.back() = 0x00;
  return wire;
}

// Verifies: SR-32
TEST(FrameDecoder, DeliversHeaderAndPayloadOfAValidFrameOnItsDelimiter) {
  FrameDecoder decoder;
  EXPECT_EQ(outcomes(decoder, frame_bytes(kHeader, kPayload)), Outcomes{DecodeStatus::kFrame});
  EXPECT_EQ(decoder.header(), kHeader);
  EXPECT_EQ(payload_of(decoder), kPayload);
  EXPECT_EQ(decoder.stats().frames, 1u);
}

TEST(FrameDecoder, DeliversAnEmptyPayload) {
  FrameDecoder decoder;
  EXPECT_EQ(outcomes(decoder, frame_bytes(kHeader, {})), Outcomes{DecodeStatus::kFrame});
  EXPECT_TRUE(decoder.payload().empty());
}

TEST(FrameDecoder, SkipsEmptyFramesSilently) {
  FrameDecoder decoder;
  EXPECT_TRUE(outcomes(decoder, {0x00, 0x00, 0x00}).empty());
  EXPECT_EQ(outcomes(decoder, concat({frame_bytes(kHeader, kPayload), {0x00, 0x00}})),
            Outcomes{DecodeStatus::kFrame});
  const auto& stats = decoder.stats();
  EXPECT_EQ(stats.framing_errors + stats.crc_errors + stats.oversize_errors + stats.version_errors,
            0u);
  EXPECT_EQ(stats.bytes, 3 + frame_bytes(kHeader, kPayload).size() + 2);
}

// Verifies: SR-32
TEST(FrameDecoder, CountsEachErrorKindSeparately) {
  FrameDecoder decoder;
  Bytes corrupt = frame_bytes(kHeader, kPayload);
  corrupt[3] ^= 0x40;
  const Bytes wrong_version = frame_bytes({.version = 2}, kPayload);
  const Bytes truncated_block{0x05, 0x11, 0x22, 0x00};
  const Bytes too_short = stuffed(Bytes(kHeaderBytes + kCrcBytes - 1, 0x01));
  const Bytes oversize = concat({Bytes(kMaxWireBytes + 10, 0x42), {0x00}});

  EXPECT_EQ(outcomes(decoder, corrupt), Outcomes{DecodeStatus::kCrcError});
  EXPECT_EQ(outcomes(decoder, wrong_version), Outcomes{DecodeStatus::kVersionError});
  EXPECT_EQ(outcomes(decoder, truncated_block), Outcomes{DecodeStatus::kFramingError});
  EXPECT_EQ(outcomes(decoder, too_short), Outcomes{DecodeStatus::kFramingError});
  EXPECT_EQ(outcomes(decoder, oversize), Outcomes{DecodeStatus::kOversize});

  const auto& stats = decoder.stats();
  EXPECT_EQ(stats.crc_errors, 1u);
  EXPECT_EQ(stats.version_errors, 1u);
  EXPECT_EQ(stats.framing_errors, 2u);
  EXPECT_EQ(stats.oversize_errors, 1u);
  EXPECT_EQ(stats.frames, 0u);
  EXPECT_EQ(stats.bytes, corrupt.size() + wrong_version.size() + truncated_block.size() +
                             too_short.size() + oversize.size());
}

// Verifies: SR-32
TEST(FrameDecoder, AcceptsAFrameOfExactly256BytesAndRefuses257) {
  Bytes largest = frame_bytes(kHeader, Bytes(kMaxPayloadBytes, 0x77));
  FrameDecoder decoder;
  EXPECT_EQ(outcomes(decoder, largest), Outcomes{DecodeStatus::kFrame});
  EXPECT_EQ(decoder.payload().size(), kMaxPayloadBytes);

  EXPECT_EQ(outcomes(decoder, stuffed(Bytes(kMaxFrameBytes + 1, 0x77))),
            Outcomes{DecodeStatus::kOversize});
  EXPECT_EQ(decoder.stats().oversize_errors, 1u);
}

// Verifies: SR-32
TEST(FrameDecoder, NeverDeliversATruncatedFrame) {
  const Bytes wire = frame_bytes(kHeader, kPayload);
  for (std::size_t kept = 1; kept + 1 < wire.size(); ++kept) {
    FrameDecoder decoder;
    Bytes truncated(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(kept));
    truncated.push_back(0x00);
    const Outcomes seen = outcomes(decoder, truncated);
    ASSERT_EQ(seen.size(), 1u) << kept;
    EXPECT_NE(seen[0], DecodeStatus::kFrame) << kept;
  }
}

// Verifies: SR-32
TEST(FrameDecoder, NeverDeliversAFrameWithAnySingleBitFlipped) {
  const Bytes wire = frame_bytes(kHeader, kPayload);
  for (std::size_t bit = 0; bit < 8 * (wire.size() - 1); ++bit) {
    Bytes flipped = wire;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    FrameDecoder decoder;
    for (const auto status : outcomes(decoder, flipped)) {
      EXPECT_NE(status, DecodeStatus::kFrame) << "bit " << bit;
    }
  }
}

// Verifies: SR-32
TEST(FrameDecoder, ResynchronisesAtTheNextDelimiterAfterEveryErrorKind) {
  Bytes corrupt = frame_bytes(kHeader, kPayload);
  corrupt[5] ^= 0x01;
  const Bytes good = frame_bytes(kHeader, kPayload);
  const std::vector<Bytes> bad{corrupt,
                               frame_bytes({.version = 9}, kPayload),
                               {0x05, 0x11, 0x00},
                               concat({Bytes(kMaxWireBytes + 3, 0x42), {0x00}})};
  for (const auto& error : bad) {
    FrameDecoder decoder;
    const Outcomes seen = outcomes(decoder, concat({error, good}));
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_NE(seen[0], DecodeStatus::kFrame);
    EXPECT_EQ(seen[1], DecodeStatus::kFrame);
    EXPECT_EQ(payload_of(decoder), kPayload);
  }
}

// Verifies: SR-32
TEST(FrameDecoder, DeliversFramesSeparatedByGarbage) {
  const Bytes a = frame_bytes({.seq = 1}, {0x01, 0x02});
  const Bytes b = frame_bytes({.seq = 2}, {0x03});
  const Bytes garbage{0x13, 0x37, 0x99, 0x00, 0x42, 0xFF, 0xFF, 0x00};
  FrameDecoder decoder;
  std::vector<std::uint16_t> seqs;
  for (const auto byte : concat({garbage, a, garbage, b, garbage})) {
    if (decoder.push(byte) == DecodeStatus::kFrame) {
      seqs.push_back(decoder.header().seq);
    }
  }
  EXPECT_EQ(seqs, (std::vector<std::uint16_t>{1, 2}));
  EXPECT_EQ(decoder.stats().frames, 2u);
  EXPECT_EQ(decoder.stats().framing_errors + decoder.stats().crc_errors, 6u);
}

TEST(FrameDecoder, DeliversBackToBackFramesInOrder) {
  FrameDecoder decoder;
  std::vector<Bytes> payloads;
  for (const auto byte : concat({frame_bytes({.seq = 7}, {0xA1}), frame_bytes({.seq = 8}, {}),
                                 frame_bytes({.seq = 9}, {0x00, 0xA3})})) {
    if (decoder.push(byte) == DecodeStatus::kFrame) {
      payloads.push_back(payload_of(decoder));
    }
  }
  EXPECT_EQ(payloads, (std::vector<Bytes>{{0xA1}, {}, {0x00, 0xA3}}));
}

TEST(FrameDecoder, DeliversAFrameSplitAtEveryByteBoundaryOnlyOnItsLastByte) {
  const Bytes wire = frame_bytes(kHeader, kPayload);
  for (std::size_t split = 0; split < wire.size(); ++split) {
    FrameDecoder decoder;
    const auto at = wire.begin() + static_cast<std::ptrdiff_t>(split);
    EXPECT_TRUE(outcomes(decoder, Bytes(wire.begin(), at)).empty()) << split;
    const Outcomes rest = outcomes(decoder, Bytes(at, wire.end()));
    EXPECT_EQ(rest, Outcomes{DecodeStatus::kFrame}) << split;
    EXPECT_EQ(payload_of(decoder), kPayload) << split;
  }
}

// A receiver that starts listening in the middle of a frame loses only that frame.
TEST(FrameDecoder, JoiningMidFrameLosesOnlyThatFrame) {
  const Bytes wire = frame_bytes(kHeader, kPayload);
  for (std::size_t skip = 1; skip < wire.size(); ++skip) {
    FrameDecoder decoder;
    const Outcomes seen = outcomes(
        decoder,
        concat({Bytes(wire.begin() + static_cast<std::ptrdiff_t>(skip), wire.end()), wire}));
    ASSERT_FALSE(seen.empty()) << skip;
    EXPECT_EQ(seen.back(), DecodeStatus::kFrame) << skip;
    EXPECT_EQ(decoder.stats().frames, 1u) << skip;
  }
}

TEST(FrameDecoder, DiscardPartialFrameDropsTheBytesSoFar) {
  const Bytes wire = frame_bytes(kHeader, kPayload);
  FrameDecoder decoder;
  EXPECT_TRUE(outcomes(decoder, Bytes(wire.begin(), wire.begin() + 5)).empty());
  decoder.discard_partial_frame();
  EXPECT_EQ(outcomes(decoder, wire), Outcomes{DecodeStatus::kFrame});
  EXPECT_EQ(decoder.stats().framing_errors, 0u);
}

TEST(FrameDecoder, DecodesTheSameFramesAfterBeingCopied) {
  const Bytes wire = frame_bytes(kHeader, kPayload);
  FrameDecoder original;
  EXPECT_TRUE(outcomes(original, Bytes(wire.begin(), wire.begin() + 5)).empty());
  FrameDecoder copy = original;
  EXPECT_EQ(outcomes(copy, Bytes(wire.begin() + 5, wire.end())), Outcomes{DecodeStatus::kFrame});
  EXPECT_EQ(payload_of(copy), kPayload);
}

// Verifies: SR-32
TEST(FrameDecoder, RandomisedStreamOfValidAndDamagedFramesYieldsOneOutcomePerFrame) {
  std::mt19937 random(7);
  FrameDecoder decoder;
  std::uniform_int_distribution<int> length(0, static_cast<int>(kMaxPayloadBytes));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uint64_t sent_good = 0;
  std::uint64_t sent_damaged = 0;
  for (int i = 0; i < 2000; ++i) {
    Bytes payload(static_cast<std::size_t>(length(random)));
    for (auto& b : payload) {
      b = static_cast<std::uint8_t>(byte(random) < 64 ? 0 : byte(random));
    }
    Bytes wire = frame_bytes({.seq = static_cast<std::uint16_t>(i)}, payload);
    const bool damage = i % 3 == 0;
    if (damage) {
      const auto at = static_cast<std::size_t>(byte(random)) % (wire.size() - 1);
      const std::uint8_t original = wire[at];
      wire[at] = static_cast<std::uint8_t>(original ^ (1 + byte(random) % 255));
      if (wire[at] == 0x00) {  // a new delimiter would make two frames of one
        wire[at] = original == 0xEE ? 0xED : 0xEE;
      }
    }
    const Outcomes seen = outcomes(decoder, wire);
    ASSERT_EQ(seen.size(), 1u) << i;
    if (damage) {
      ++sent_damaged;
      EXPECT_NE(seen[0], DecodeStatus::kFrame) << i;
    } else {
      ++sent_good;
      ASSERT_EQ(seen[0], DecodeStatus::kFrame) << i;
      EXPECT_EQ(payload_of(decoder), payload) << i;
    }
  }
  const auto& stats = decoder.stats();
  EXPECT_EQ(stats.frames, sent_good);
  EXPECT_EQ(stats.framing_errors + stats.crc_errors + stats.oversize_errors + stats.version_errors,
            sent_damaged);
}

}  // namespace
}  // namespace rfneedle::hal
