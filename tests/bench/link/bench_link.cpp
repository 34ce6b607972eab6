// Telemetry through the device link on one core (issue 3): serialize a full-range
// GeneratorTelemetry envelope into a fixed buffer, frame it, push the wire bytes through
// the decoder and parse the payload.
//   frames_per_s[frames/s]   target >= 1 000 000
//   allocs_per_frame[allocs] target 0 in steady state
//
// Parsing into a reused envelope is not allocation-free: the envelope's Clear() deletes
// its oneof sub-message, so every ParseFromArray allocates the telemetry message anew
// (ReusedEnvelope shows 1 per frame). Parsing into a message on an Arena whose initial
// block is caller-owned storage, Reset() before each frame, allocates nothing
// (TelemetryEncodeDecode, the headline figures).
#include <benchmark/benchmark.h>
#include <google/protobuf/arena.h>

#include <array>
#include <cstdint>

#include "hal/frame.h"
#include "proto/device.pb.h"
#include "tests/support/alloc_counter.h"
#include "tests/unit/hal/device_limits.h"

namespace rfneedle::hal {
namespace {

// Both ends of one link: the sending board's encoder and the controller's decoder.
class TelemetryLoop {
 public:
  TelemetryLoop() { testing::fill_with_longest_values(*sent_.mutable_telemetry()); }

  // One frame out and back in; `parse` turns the received payload into a message.
  template <typename Parse>
  [[nodiscard]] bool round_trip(Parse&& parse) {
    sent_.mutable_telemetry()->set_sample_counter(sample_++);
    const auto payload_size = static_cast<int>(sent_.ByteSizeLong());
    if (!sent_.SerializeToArray(payload_.data(), payload_size)) {
      return false;
    }
    wire_size_ = encode_frame({.flags = frame_flags::kAckValid},
                              {payload_.data(), static_cast<std::size_t>(payload_size)}, wire_);
    bool parsed = false;
    for (std::size_t i = 0; i < wire_size_; ++i) {
      if (decoder_.push(wire_[i]) == DecodeStatus::kFrame) {
        parsed = parse(decoder_.payload());
      }
    }
    return parsed;
  }
  [[nodiscard]] std::size_t wire_size() const { return wire_size_; }

 private:
  device::GeneratorMessage sent_;
  FrameDecoder decoder_;
  std::array<std::uint8_t, kMaxPayloadBytes> payload_{};
  std::array<std::uint8_t, kMaxWireBytes> wire_{};
  std::size_t wire_size_ = 0;
  std::uint32_t sample_ = 0;
};

bool parse_into(google::protobuf::Message& message, std::span<const std::uint8_t> payload) {
  return message.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

template <typename Parse>
void run(benchmark::State& state, Parse&& parse) {
  TelemetryLoop loop;
  if (!loop.round_trip(parse)) {  // first use sets up what is reused
    state.SkipWithError("round trip failed");
    return;
  }
  const std::uint64_t allocations_before = testing::allocation_count();
  for (auto _ : state) {
    if (!loop.round_trip(parse)) {
      state.SkipWithError("round trip failed");
      return;
    }
  }
  const std::uint64_t allocations = testing::allocation_count() - allocations_before;
  state.counters["frames_per_s[frames/s]"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["allocs_per_frame[allocs]"] =
      static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["wire_bytes[bytes]"] = static_cast<double>(loop.wire_size());
}

void TelemetryEncodeDecode(benchmark::State& state) {
  alignas(8) static std::array<char, 1024> arena_block;
  google::protobuf::Arena arena(arena_block.data(), arena_block.size());
  run(state, [&](std::span<const std::uint8_t> payload) {
    arena.Reset();
    auto* received = google::protobuf::Arena::CreateMessage<device::GeneratorMessage>(&arena);
    const bool ok = parse_into(*received, payload);
    benchmark::DoNotOptimize(received->telemetry().sample_counter());
    return ok;
  });
}
BENCHMARK(TelemetryEncodeDecode);

void ReusedEnvelope(benchmark::State& state) {
  device::GeneratorMessage received;
  run(state, [&](std::span<const std::uint8_t> payload) {
    const bool ok = parse_into(received, payload);
    benchmark::DoNotOptimize(received.telemetry().sample_counter());
    return ok;
  });
}
BENCHMARK(ReusedEnvelope);

}  // namespace
}  // namespace rfneedle::hal
