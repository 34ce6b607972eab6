// Consistent Overhead Byte Stuffing (S. Cheshire, M. Baker, "Consistent Overhead Byte
// Stuffing", IEEE/ACM Transactions on Networking 7(2), 1999): removes every 0x00 from a
// frame so that 0x00 can delimit frames on the wire. Caller-sized buffers, no allocation.
//
// Encoders emit the shortest encoding: a frame whose last run of non-zero bytes fills a
// 0xFF block ends with that block (as in the Wikipedia "COBS" examples). Decoders also
// accept the redundant final 0x01 block the paper's reference encoder appends there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rfneedle::hal {

[[nodiscard]] constexpr std::size_t cobs_max_encoded_size(std::size_t n) { return n + n / 254 + 1; }

// Encodes `in` into `out` (no delimiter); nullopt if `out` is too small.
[[nodiscard]] std::optional<std::size_t> cobs_encode(std::span<const std::uint8_t> in,
                                                     std::span<std::uint8_t> out);

// Decodes one encoded frame (without its delimiter) into `out`; nullopt if `in` is not a
// complete encoding (empty, contains 0x00, ends inside a block) or `out` is too small.
[[nodiscard]] std::optional<std::size_t> cobs_decode(std::span<const std::uint8_t> in,
                                                     std::span<std::uint8_t> out);

// Byte-at-a-time COBS decoding, for decoders fed from a serial line. The output buffer
// is passed on every call (not held), so a decoder that owns its buffer stays copyable.
class CobsDecoder {
 public:
  enum class Status : std::uint8_t {
    kOk,
    kZeroByte,    // 0x00 never occurs inside an encoding: it is the delimiter
    kOutputFull,  // the decoded frame does not fit `out`
  };

  // Appends the decoded bytes of one encoded byte at out[size()].
  [[nodiscard]] Status push(std::uint8_t byte, std::span<std::uint8_t> out);
  // The decoded size if the bytes pushed so far are a complete encoding, else nullopt.
  [[nodiscard]] std::optional<std::size_t> finish() const;
  // True until the first byte of a frame is pushed.
  [[nodiscard]] bool empty() const { return code_ == 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  void reset() { *this = CobsDecoder{}; }

 private:
  std::size_t size_ = 0;
  std::uint8_t code_ = 0;  // code byte of the current block; 0 before the first one
  std::uint8_t left_ = 0;  // data bytes still to come in the current block
};

// A block holds at most 254 data bytes; its code byte is 1 + its data bytes, and every
// code below kCobsFullBlock stands for a 0x00 after the block (except at the frame's end).
inline constexpr std::uint8_t kCobsFullBlock = 0xFF;

// Inline: called once per received byte.
inline CobsDecoder::Status CobsDecoder::push(std::uint8_t byte, std::span<std::uint8_t> out) {
  if (byte == 0) {
    return Status::kZeroByte;
  }
  if (left_ > 0) {
    if (size_ == out.size()) {
      return Status::kOutputFull;
    }
    out[size_++] = byte;
    --left_;
    return Status::kOk;
  }
  // A code byte: the previous block, unless full, stood for a 0x00 that is only now known
  // not to be the frame's end.
  if (code_ != 0 && code_ != kCobsFullBlock) {
    if (size_ == out.size()) {
      return Status::kOutputFull;
    }
    out[size_++] = 0;
  }
  code_ = byte;
  left_ = static_cast<std::uint8_t>(byte - 1);
  return Status::kOk;
}

}  // namespace rfneedle::hal
