// The script both session fuzz targets read: the fuzz input is a sequence of operations
// (bytes in random chunks, frames with chosen headers, random ticks, sends, output pulls,
// pulse mode, new sessions), so the fuzzer reaches the session's logic past the CRC.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "hal/frame.h"
#include "hal/time.h"

namespace rfneedle::hal::fuzz {

inline void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

enum class Op : std::uint8_t {
  kRawBytes,    // len, bytes: straight to on_bytes (garbage, partial frames)
  kFrame,       // flags, seq u16, ack u16, len, payload, chunk: a valid frame in chunks
  kTick,        // step: time advances step x 50 us, then tick
  kTakeOutput,  // size: pull output into a buffer of (size + 1) x 4 bytes
  kSend,        // kind, len, fill: reliable, unreliable or urgent
  kPulseMode,   // on
  kNewSession,  // nonce
  kCount,
};

class Script {
 public:
  explicit Script(std::span<const std::uint8_t> data) : data_(data) {}

  [[nodiscard]] bool done() const { return at_ >= data_.size(); }
  [[nodiscard]] std::uint8_t byte() { return done() ? 0 : data_[at_++]; }
  [[nodiscard]] std::uint16_t u16() {
    const std::uint16_t lo = byte();
    return static_cast<std::uint16_t>(lo | (byte() << 8));
  }
  [[nodiscard]] Op op() { return static_cast<Op>(byte() % static_cast<std::uint8_t>(Op::kCount)); }
  [[nodiscard]] std::span<const std::uint8_t> bytes(std::size_t n) {
    n = std::min(n, data_.size() - std::min(at_, data_.size()));
    const auto out = data_.subspan(at_, n);
    at_ += n;
    return out;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t at_ = 0;
};

// Encodes a frame with the script's header and payload, and hands it over in chunks.
template <typename Sink>
void feed_frame(Script& script, Sink&& sink) {
  FrameHeader header;
  header.flags = script.byte() & 0x03;
  header.seq = script.u16();
  header.ack = script.u16();
  const std::size_t length = script.byte();
  const auto payload = script.bytes(length);
  const std::size_t chunk = std::max<std::size_t>(1, script.byte() % 32);
  std::array<std::uint8_t, kMaxWireBytes> wire{};
  const std::size_t size = encode_frame(header, payload, wire);
  for (std::size_t at = 0; at < size; at += chunk) {
    sink(std::span<const std::uint8_t>(wire).subspan(at, std::min(chunk, size - at)));
  }
}

// Every frame a session writes decodes; in pulse mode none exceeds kPulseWireLimit.
inline void check_output(std::span<const std::uint8_t> wire, bool pulse_mode) {
  FrameDecoder decoder;
  std::size_t frame_start = 0;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    const DecodeStatus status = decoder.push(wire[i]);
    check(status == DecodeStatus::kNeedMore || status == DecodeStatus::kFrame);
    if (wire[i] == 0) {
      check(status == DecodeStatus::kFrame);
      check(!pulse_mode || i + 1 - frame_start <= kPulseWireLimit);
      frame_start = i + 1;
    }
  }
  check(frame_start == wire.size());  // whole frames only
}

}  // namespace rfneedle::hal::fuzz
