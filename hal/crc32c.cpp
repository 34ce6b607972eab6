#include "hal/crc32c.h"

#include <boost/crc.hpp>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace rfneedle::hal {
namespace {

#if defined(__x86_64__)
// SSE4.2's CRC32 instruction computes exactly this CRC (Castagnoli, reflected), eight
// bytes at a time: a frame's check costs a few nanoseconds instead of a table lookup a byte.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(
    std::span<const std::uint8_t> bytes) {
  std::uint64_t crc = 0xFFFFFFFFu;
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    crc = _mm_crc32_u64(crc, word);
  }
  auto crc32 = static_cast<std::uint32_t>(crc);
  for (; n > 0; ++p, --n) {
    crc32 = _mm_crc32_u8(crc32, *p);
  }
  return crc32 ^ 0xFFFFFFFFu;
}

const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

std::uint32_t crc32c_bytewise(std::span<const std::uint8_t> bytes) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) {
#if defined(__x86_64__)
  if (kHaveSse42) {
    return crc32c_sse42(bytes);
  }
#endif
  return crc32c_bytewise(bytes);
}

}  // namespace rfneedle::hal
