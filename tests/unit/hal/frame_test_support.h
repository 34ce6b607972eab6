// Small helpers shared by the frame tests.
#pragma once

#include <cstdint>
#include <vector>

#include "hal/frame.h"

namespace rfneedle::hal::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes frame_bytes(const FrameHeader& header, const Bytes& payload) {
  Bytes wire(kMaxWireBytes);
  wire.resize(encode_frame(header, payload, wire));
  return wire;
}

// Every status the decoder returns for `bytes`, kNeedMore omitted.
inline std::vector<DecodeStatus> outcomes(FrameDecoder& decoder, const Bytes& bytes) {
  std::vector<DecodeStatus> seen;
  for (const auto byte : bytes) {
    const auto status = decoder.push(byte);
    if (status != DecodeStatus::kNeedMore) {
      seen.push_back(status);
    }
  }
  return seen;
}

inline Bytes payload_of(const FrameDecoder& decoder) {
  return {decoder.payload().begin(), decoder.payload().end()};
}

}  // namespace rfneedle::hal::test
