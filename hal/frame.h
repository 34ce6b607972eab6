// Frames of the device link (DESIGN 3, docs/protocol.md):
//   COBS( header | payload | CRC-32C ) 0x00
// header: version u8, flags u8, seq u16 LE, ack u16 LE; CRC-32C over header|payload,
// little-endian; at most kMaxFrameBytes before COBS.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/cobs.h"

namespace rfneedle::hal {

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kHeaderBytes = 6;      // version u8, flags u8, seq u16 LE, ack u16 LE
inline constexpr std::size_t kCrcBytes = 4;         // CRC-32C over header|payload, little-endian
inline constexpr std::size_t kMaxFrameBytes = 256;  // header|payload|crc, before COBS
inline constexpr std::size_t kMaxPayloadBytes = kMaxFrameBytes - kHeaderBytes - kCrcBytes;
inline constexpr std::size_t kMaxWireBytes = cobs_max_encoded_size(kMaxFrameBytes) + 1;  // + 0x00
// No frame larger than this on either link while a pulse is delivered (DESIGN 3, SR-43).
inline constexpr std::size_t kPulseWireLimit = 64;

// The most wire bytes a frame carrying `payload_bytes` can take: COBS overhead (one code
// byte per started 254 bytes) and the delimiter included.
[[nodiscard]] constexpr std::size_t wire_bytes_upper_bound(std::size_t payload_bytes) {
  return cobs_max_encoded_size(kHeaderBytes + payload_bytes + kCrcBytes) + 1;
}

// The largest payload (serialized envelope) whose frame stays within kPulseWireLimit:
// below 254 bytes COBS adds exactly one code byte, and the delimiter follows.
inline constexpr std::size_t kMaxPulsePayloadBytes = kPulseWireLimit - kHeaderBytes - kCrcBytes - 2;
static_assert(wire_bytes_upper_bound(kMaxPulsePayloadBytes) == kPulseWireLimit);

namespace frame_flags {
inline constexpr std::uint8_t kReliable =
    0x01;  // seq is meaningful; receiver acks; sender retransmits
inline constexpr std::uint8_t kAckValid = 0x02;  // ack field carries the cumulative ack
}  // namespace frame_flags

struct FrameHeader {
  std::uint8_t version = kProtocolVersion;
  std::uint8_t flags = 0;
  std::uint16_t seq = 0;
  std::uint16_t ack = 0;

  friend bool operator==(const FrameHeader&, const FrameHeader&) = default;
};

// Writes COBS(header|payload|crc) followed by 0x00 into out; returns bytes written, or 0
// if the payload exceeds kMaxPayloadBytes or out is too small.
[[nodiscard]] std::size_t encode_frame(const FrameHeader& header,
                                       std::span<const std::uint8_t> payload,
                                       std::span<std::uint8_t> out);

enum class DecodeStatus : std::uint8_t {
  kNeedMore,      // no frame ended with this byte (or an empty frame was skipped)
  kFrame,         // a valid frame ended: header() and payload() hold it
  kFramingError,  // a frame ended that is not valid COBS or is shorter than header+crc
  kOversize,      // the frame grew past kMaxFrameBytes: dropped up to the next 0x00
  kCrcError,      // a frame ended whose CRC-32C does not match
  kVersionError,  // a frame ended with a good CRC and another protocol version
};

struct DecoderStats {
  std::uint64_t frames = 0, bytes = 0, framing_errors = 0, oversize_errors = 0, crc_errors = 0,
                version_errors = 0;
};

// Byte-at-a-time decoder over a fixed internal buffer (no allocation). Resynchronises at
// the next 0x00 after any error. Every non-empty run of bytes ending in 0x00 yields
// exactly one status other than kNeedMore; an oversize frame reports kOversize on the byte
// that overflows the buffer, and its delimiter then yields kNeedMore.
class FrameDecoder {
 public:
  [[nodiscard]] DecodeStatus push(std::uint8_t byte);
  // Valid after push() returned kFrame, until the next push().
  [[nodiscard]] const FrameHeader& header() const { return header_; }
  [[nodiscard]] std::span<const std::uint8_t> payload() const {
    return {frame_.data() + kHeaderBytes, payload_bytes_};
  }
  [[nodiscard]] const DecoderStats& stats() const { return stats_; }
  // Drops a partly received frame (e.g. when the line reconnects); statistics are kept.
  void discard_partial_frame();

 private:
  [[nodiscard]] DecodeStatus end_of_frame();

  std::array<std::uint8_t, kMaxFrameBytes> frame_{};
  CobsDecoder cobs_;
  bool discarding_ = false;  // after an oversize frame, until its delimiter
  FrameHeader header_;
  std::size_t payload_bytes_ = 0;
  DecoderStats stats_;
};

}  // namespace rfneedle::hal
