// CRC-32C check values: the catalogue's check of "123456789" (Greg Cook, "Catalogue of
// parametrised CRC algorithms", CRC-32/ISCSI) and RFC 3720 appendix B.4.
#include "hal/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

namespace rfneedle::hal {
namespace {

std::uint32_t crc_of(std::string_view text) {
  return crc32c({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

TEST(Crc32c, CheckValueOf123456789IsE3069283) { EXPECT_EQ(crc_of("123456789"), 0xE3069283u); }

TEST(Crc32c, EmptyInputIsZero) { EXPECT_EQ(crc32c({}), 0x00000000u); }

TEST(Crc32c, MatchesRfc3720Vectors) {
  std::vector<std::uint8_t> bytes(32, 0x00);
  EXPECT_EQ(crc32c(bytes), 0x8A9136AAu);
  bytes.assign(32, 0xFF);
  EXPECT_EQ(crc32c(bytes), 0x62A8AB43u);
  std::iota(bytes.begin(), bytes.end(), std::uint8_t{0});
  EXPECT_EQ(crc32c(bytes), 0x46DD794Eu);
  std::iota(bytes.rbegin(), bytes.rend(), std::uint8_t{0});
  EXPECT_EQ(crc32c(bytes), 0x113FDB5Cu);
}

// Verifies: SR-32
// The processor's CRC32 instruction, eight bytes at a time, gives the table's answer for
// every length and alignment a frame can have.
TEST(Crc32c, TheInstructionPathMatchesTheBytewiseReference) {
  std::vector<std::uint8_t> bytes(300);
  std::uint32_t x = 0x12345678;
  for (std::uint8_t& b : bytes) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n + offset <= bytes.size(); ++n) {
      const std::span<const std::uint8_t> s(bytes.data() + offset, n);
      ASSERT_EQ(crc32c(s), crc32c_bytewise(s)) << "offset " << offset << ", " << n << " bytes";
    }
  }
}

}  // namespace
}  // namespace rfneedle::hal
