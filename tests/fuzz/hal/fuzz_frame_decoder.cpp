// libFuzzer target for the frame decoder (SR-32): any byte stream, pushed one byte at a
// time. Invariants, checked with abort():
// - every delivered frame re-encodes to exactly the bytes it arrived as (allowing the
//   redundant final COBS block some encoders add: docs/protocol.md, "COBS");
// - every non-empty run of bytes ending in 0x00 yields exactly one outcome, and the
//   statistics count exactly the outcomes returned;
// - stats().bytes counts every byte.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "hal/frame.h"

namespace {

using rfneedle::hal::DecoderStats;
using rfneedle::hal::DecodeStatus;
using rfneedle::hal::FrameDecoder;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void check_reencodes(const FrameDecoder& decoder, const std::uint8_t* arrived,
                     std::size_t arrived_size) {
  std::array<std::uint8_t, rfneedle::hal::kMaxWireBytes> wire{};
  const std::size_t size = encode_frame(decoder.header(), decoder.payload(), wire);
  check(size > 0);
  const bool same = size == arrived_size && std::memcmp(wire.data(), arrived, size) == 0;
  // The paper's encoder adds a 0x01 block after a final full block: one byte more.
  const bool same_but_redundant_block = arrived_size == size + 1 && arrived[size - 1] == 0x01 &&
                                        std::memcmp(wire.data(), arrived, size - 1) == 0 &&
                                        arrived[size] == 0x00;
  check(same || same_but_redundant_block);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FrameDecoder decoder;
  DecoderStats returned;
  std::size_t segment_start = 0;
  int segment_outcomes = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const DecodeStatus status = decoder.push(data[i]);
    switch (status) {
      case DecodeStatus::kNeedMore:
        break;
      case DecodeStatus::kFrame:
        ++returned.frames;
        check_reencodes(decoder, data + segment_start, i + 1 - segment_start);
        break;
      case DecodeStatus::kFramingError:
        ++returned.framing_errors;
        break;
      case DecodeStatus::kOversize:
        ++returned.oversize_errors;
        break;
      case DecodeStatus::kCrcError:
        ++returned.crc_errors;
        break;
      case DecodeStatus::kVersionError:
        ++returned.version_errors;
        break;
    }
    if (status != DecodeStatus::kNeedMore) {
      ++segment_outcomes;
      // Only an oversize frame reports before its delimiter.
      check(data[i] == 0x00 || status == DecodeStatus::kOversize);
    }
    if (data[i] == 0x00) {
      const bool empty = i == segment_start;
      check(segment_outcomes == (empty ? 0 : 1));
      segment_start = i + 1;
      segment_outcomes = 0;
    }
  }
  check(segment_outcomes <= 1);
  const DecoderStats& stats = decoder.stats();
  check(stats.bytes == size);
  check(stats.frames == returned.frames);
  check(stats.framing_errors == returned.framing_errors);
  check(stats.oversize_errors == returned.oversize_errors);
  check(stats.crc_errors == returned.crc_errors);
  check(stats.version_errors == returned.version_errors);
  return 0;
}
