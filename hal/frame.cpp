#include "hal/frame.h"

#include <algorithm>

#include "hal/crc32c.h"

namespace rfneedle::hal {
namespace {

void put_u16(std::uint16_t value, std::uint8_t* at) {
  at[0] = static_cast<std::uint8_t>(value);
  at[1] = static_cast<std::uint8_t>(value >> 8);
}

void put_u32(std::uint32_t value, std::uint8_t* at) {
  for (int i = 0; i < 4; ++i) {
    at[i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
}

std::uint16_t get_u16(const std::uint8_t* at) {
  return static_cast<std::uint16_t>(at[0] | (at[1] << 8));
}

std::uint32_t get_u32(const std::uint8_t* at) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | at[i];
  }
  return value;
}

}  // namespace

std::size_t encode_frame(const FrameHeader& header, std::span<const std::uint8_t> payload,
                         std::span<std::uint8_t> out) {
  if (payload.size() > kMaxPayloadBytes || out.empty()) {
    return 0;
  }
  std::array<std::uint8_t, kMaxFrameBytes> frame;
  frame[0] = header.version;
  frame[1] = header.flags;
  put_u16(header.seq, &frame[2]);
  put_u16(header.ack, &frame[4]);
  std::copy(payload.begin(), payload.end(), frame.begin() + kHeaderBytes);
  const std::size_t checked = kHeaderBytes + payload.size();
  put_u32(crc32c({frame.data(), checked}), &frame[checked]);

  const auto encoded = cobs_encode({frame.data(), checked + kCrcBytes}, out.first(out.size() - 1));
  if (!encoded) {
    return 0;
  }
  out[*encoded] = 0;
  return *encoded + 1;
}

DecodeStatus FrameDecoder::push(std::uint8_t byte) {
  ++stats_.bytes;
  if (byte == 0) {
    return end_of_frame();
  }
  if (discarding_) {
    return DecodeStatus::kNeedMore;
  }
  if (cobs_.push(byte, frame_) == CobsDecoder::Status::kOutputFull) {
    discarding_ = true;
    ++stats_.oversize_errors;
    return DecodeStatus::kOversize;
  }
  return DecodeStatus::kNeedMore;
}

void FrameDecoder::discard_partial_frame() {
  cobs_.reset();
  discarding_ = false;
}

DecodeStatus FrameDecoder::end_of_frame() {
  const bool was_discarding = discarding_;
  const bool empty = cobs_.empty();
  const auto size = cobs_.finish();
  discard_partial_frame();
  if (was_discarding || empty) {
    return DecodeStatus::kNeedMore;
  }
  if (!size || *size < kHeaderBytes + kCrcBytes) {
    ++stats_.framing_errors;
    return DecodeStatus::kFramingError;
  }
  const std::size_t checked = *size - kCrcBytes;
  if (crc32c({frame_.data(), checked}) != get_u32(&frame_[checked])) {
    ++stats_.crc_errors;
    return DecodeStatus::kCrcError;
  }
  // Checked after the CRC: the version byte of a corrupt frame means nothing.
  if (frame_[0] != kProtocolVersion) {
    ++stats_.version_errors;
    return DecodeStatus::kVersionError;
  }
  header_ = FrameHeader{.version = frame_[0],
                        .flags = frame_[1],
                        .seq = get_u16(&frame_[2]),
                        .ack = get_u16(&frame_[4])};
  payload_bytes_ = checked - kHeaderBytes;
  ++stats_.frames;
  return DecodeStatus::kFrame;
}

}  // namespace rfneedle::hal
