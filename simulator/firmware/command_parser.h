// Parses a board's incoming command envelopes (device::GeneratorCommand or
// device::ActuatorCommand) on a protobuf arena over a fixed block, reset before every
// payload: a heartbeat every 10 ms then costs no heap allocation (STYLE: none on the hot
// path in steady state). ParseFromArray on a plain message would free and reallocate the
// `oneof body` sub-message on every payload.
#pragma once

#include <google/protobuf/arena.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rfneedle::sim {

template <typename Command>
class CommandParser {
 public:
  CommandParser() : arena_(options(block_)) {}
  CommandParser(const CommandParser&) = delete;
  CommandParser& operator=(const CommandParser&) = delete;

  // The parsed command, valid until the next call; null when the payload does not parse.
  [[nodiscard]] const Command* parse(std::span<const std::uint8_t> payload) {
    (void)arena_.Reset();
    Command* command = google::protobuf::Arena::CreateMessage<Command>(&arena_);
    if (!command->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return nullptr;
    }
    return command;
  }

 private:
  // A command envelope is at most 246 bytes on the wire (docs/protocol.md 2.1); parsed,
  // with the arena's own bookkeeping, it stays well inside this block.
  static constexpr std::size_t kBlockBytes = 4096;

  static google::protobuf::ArenaOptions options(std::array<char, kBlockBytes>& block) {
    google::protobuf::ArenaOptions result;
    result.initial_block = block.data();
    result.initial_block_size = block.size();
    return result;
  }

  alignas(std::max_align_t) std::array<char, kBlockBytes> block_{};
  google::protobuf::Arena arena_;
};

}  // namespace rfneedle::sim
