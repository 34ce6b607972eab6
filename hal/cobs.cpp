#include "hal/cobs.h"

namespace rfneedle::hal {
std::optional<std::size_t> cobs_encode(std::span<const std::uint8_t> in,
                                       std::span<std::uint8_t> out) {
  if (out.empty()) {
    return std::nullopt;
  }
  std::size_t code_at = 0;
  std::size_t written = 1;
  std::uint8_t code = 1;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::uint8_t byte = in[i];
    if (byte != 0) {
      if (written == out.size()) {
        return std::nullopt;
      }
      out[written++] = byte;
      ++code;
      if (code != kCobsFullBlock) {
        continue;
      }
      if (i + 1 == in.size()) {
        break;  // the shortest encoding ends with the full block
      }
    }
    out[code_at] = code;
    code = 1;
    if (written == out.size()) {
      return std::nullopt;
    }
    code_at = written++;
  }
  out[code_at] = code;
  return written;
}

std::optional<std::size_t> cobs_decode(std::span<const std::uint8_t> in,
                                       std::span<std::uint8_t> out) {
  CobsDecoder decoder;
  for (const std::uint8_t byte : in) {
    if (decoder.push(byte, out) != CobsDecoder::Status::kOk) {
      return std::nullopt;
    }
  }
  return decoder.finish();
}

std::optional<std::size_t> CobsDecoder::finish() const {
  if (code_ == 0 || left_ != 0) {
    return std::nullopt;
  }
  return size_;
}

}  // namespace rfneedle::hal
