// COBS against the published examples (Wikipedia "Consistent Overhead Byte Stuffing",
// examples 1-11; S. Cheshire and M. Baker, IEEE/ACM ToN 1999) and round trips.
#include "hal/cobs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <random>
#include <vector>

namespace rfneedle::hal {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::optional<Bytes> encode(const Bytes& in) {
  Bytes out(cobs_max_encoded_size(in.size()));
  const auto size = cobs_encode(in, out);
  if (!size) {
    return std::nullopt;
  }
  out.resize(*size);
  return out;
}

std::optional<Bytes> decode(const Bytes& in) {
  Bytes out(in.size());
  const auto size = cobs_decode(in, out);
  if (!size) {
    return std::nullopt;
  }
  out.resize(*size);
  return out;
}

// first, first + 1, ... (count bytes, wrapping at 0x100).
Bytes counting(std::uint8_t first, std::size_t count) {
  Bytes bytes(count);
  std::iota(bytes.begin(), bytes.end(), first);
  return bytes;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const auto& part : parts) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

struct Vector {
  const char* name;
  Bytes decoded;
  Bytes encoded;
};

std::vector<Vector> published_vectors() {
  return {
      {"empty", {}, {0x01}},
      {"zero", {0x00}, {0x01, 0x01}},
      {"two zeros", {0x00, 0x00}, {0x01, 0x01, 0x01}},
      {"zero 11 zero", {0x00, 0x11, 0x00}, {0x01, 0x02, 0x11, 0x01}},
      {"11 22 00 33", {0x11, 0x22, 0x00, 0x33}, {0x03, 0x11, 0x22, 0x02, 0x33}},
      {"11 22 33 44", {0x11, 0x22, 0x33, 0x44}, {0x05, 0x11, 0x22, 0x33, 0x44}},
      {"11 00 00 00", {0x11, 0x00, 0x00, 0x00}, {0x02, 0x11, 0x01, 0x01, 0x01}},
      {"254 non-zero", counting(0x01, 254), concat({{0xFF}, counting(0x01, 254)})},
      {"zero then 254 non-zero", concat({{0x00}, counting(0x01, 254)}),
       concat({{0x01, 0xFF}, counting(0x01, 254)})},
      {"255 non-zero", counting(0x01, 255), concat({{0xFF}, counting(0x01, 254), {0x02, 0xFF}})},
      {"254 non-zero then zero", concat({counting(0x02, 254), {0x00}}),
       concat({{0xFF}, counting(0x02, 254), {0x01, 0x01}})},
      {"253 non-zero, zero, 01", concat({counting(0x03, 253), {0x00, 0x01}}),
       concat({{0xFE}, counting(0x03, 253), {0x02, 0x01}})},
      {"508 non-zero", Bytes(508, 0xAA),
       concat({{0xFF}, Bytes(254, 0xAA), {0xFF}, Bytes(254, 0xAA)})},
      {"509 non-zero", Bytes(509, 0xAA),
       concat({{0xFF}, Bytes(254, 0xAA), {0xFF}, Bytes(254, 0xAA), {0x02, 0xAA}})},
      {"all zero", Bytes(10, 0x00), Bytes(11, 0x01)},
  };
}

TEST(Cobs, EncodesThePublishedExamples) {
  for (const auto& v : published_vectors()) {
    EXPECT_EQ(encode(v.decoded), v.encoded) << v.name;
  }
}

TEST(Cobs, DecodesThePublishedExamples) {
  for (const auto& v : published_vectors()) {
    EXPECT_EQ(decode(v.encoded), v.decoded) << v.name;
  }
}

TEST(Cobs, EncodingNeverContainsZero) {
  for (const auto& v : published_vectors()) {
    const auto encoded = encode(v.decoded);
    ASSERT_TRUE(encoded) << v.name;
    EXPECT_EQ(std::count(encoded->begin(), encoded->end(), 0x00), 0) << v.name;
  }
}

// The paper's reference encoder closes a frame that ends on a full block with an extra
// 0x01 block; a board built from it must still be understood.
TEST(Cobs, DecodesThePapersRedundantFinalBlock) {
  EXPECT_EQ(decode(concat({{0xFF}, counting(0x01, 254), {0x01}})), counting(0x01, 254));
}

TEST(Cobs, RefusesEmptyZeroBearingAndTruncatedInput) {
  EXPECT_EQ(decode({}), std::nullopt);
  EXPECT_EQ(decode({0x03, 0x11, 0x00, 0x22}), std::nullopt);
  EXPECT_EQ(decode({0x03, 0x11}), std::nullopt);
  EXPECT_EQ(decode({0xFF, 0x11}), std::nullopt);
}

TEST(Cobs, EncodeRefusesEveryOutputBufferOneByteTooSmallOrLess) {
  for (const auto& v : published_vectors()) {
    for (std::size_t size = 0; size < v.encoded.size(); ++size) {
      Bytes out(size);
      EXPECT_EQ(cobs_encode(v.decoded, out), std::nullopt) << v.name << " into " << size;
    }
  }
}

TEST(Cobs, DecodeRefusesEveryOutputBufferTooSmall) {
  for (const auto& v : published_vectors()) {
    for (std::size_t size = 0; size < v.decoded.size(); ++size) {
      Bytes out(size);
      EXPECT_EQ(cobs_decode(v.encoded, out), std::nullopt) << v.name << " into " << size;
    }
  }
}

TEST(Cobs, RoundTripsRandomDataWithinTheSizeBound) {
  std::mt19937 random(20240601);
  for (std::size_t length = 0; length < 800; ++length) {
    // Zero density from none to all, so long runs and dense zeros both occur.
    std::bernoulli_distribution zero(static_cast<double>(length % 11) / 10.0);
    std::uniform_int_distribution<int> byte(1, 255);
    Bytes data(length);
    for (auto& b : data) {
      b = zero(random) ? 0 : static_cast<std::uint8_t>(byte(random));
    }
    const auto encoded = encode(data);
    ASSERT_TRUE(encoded) << length;
    EXPECT_LE(encoded->size(), cobs_max_encoded_size(length));
    EXPECT_EQ(decode(*encoded), data) << length;
  }
}

TEST(CobsDecoder, ReportsZeroBytesAndAFullOutputByteByByte) {
  Bytes out(2);
  CobsDecoder decoder;
  EXPECT_TRUE(decoder.empty());
  EXPECT_EQ(decoder.push(0x00, out), CobsDecoder::Status::kZeroByte);
  EXPECT_EQ(decoder.push(0x04, out), CobsDecoder::Status::kOk);
  EXPECT_FALSE(decoder.empty());
  EXPECT_EQ(decoder.push(0x11, out), CobsDecoder::Status::kOk);
  EXPECT_EQ(decoder.finish(), std::nullopt);
  EXPECT_EQ(decoder.push(0x22, out), CobsDecoder::Status::kOk);
  EXPECT_EQ(decoder.push(0x33, out), CobsDecoder::Status::kOutputFull);
}

}  // namespace
}  // namespace rfneedle::hal
