// A seeded, faulty, rate-limited byte channel joining two byte endpoints A and B on a
// VirtualClock: the serial line between the controller and a board, as the link,
// simulator, core and deterministic-simulation tests see it.
//
// Each write is a chunk of bytes. It occupies the line for size / bytes_per_ms and
// arrives, whole, when its last byte would have arrived (the simulator paces its real
// output the same way). Faults apply per direction, as rates and as scripted windows.
// The same seed, options and calls give the same bytes at the same instants.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "hal/time.h"
#include "tests/support/virtual_clock.h"

namespace rfneedle::testing {

enum class Direction { kAToB = 0, kBToA = 1 };

// Standing fault rates of one direction; each a probability in [0, 1].
struct LineFaultRates {
  double drop_byte = 0;        // each byte lost on the line
  double corrupt_byte = 0;     // each byte has one random bit flipped
  double duplicate_chunk = 0;  // a chunk arrives twice
  double reorder_chunk = 0;    // a chunk arrives after the next chunk
  Duration delay_jitter{0};    // every chunk is held back a further 0..jitter (FIFO kept)
};

enum class LineFault {
  kDrop,        // every byte sent in the window is lost
  kCorrupt,     // every chunk sent in the window has one bit flipped
  kDuplicate,   // every chunk sent in the window arrives twice
  kReorder,     // every chunk sent in the window arrives after the next chunk (never, if none)
  kDelay,       // every chunk sent in the window is held back by `delay`
  kStall,       // nothing arrives in the window; what would have arrives, in order, at its end
  kDisconnect,  // the line is cut: what is sent or would arrive in the window is lost
};

struct ScriptedLineFault {
  Direction direction;
  LineFault fault;
  Instant start;
  Duration length;
  Duration delay{0};  // kDelay only
};

struct LineStats {
  std::uint64_t chunks_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t chunks_delivered = 0;
  std::uint64_t bytes_delivered = 0;
  std::uint64_t bytes_dropped = 0;  // drop faults and disconnects
  std::uint64_t bytes_corrupted = 0;
  std::uint64_t chunks_duplicated = 0;
  std::uint64_t chunks_reordered = 0;
};

class FaultyByteChannel {
 public:
  struct Options {
    std::uint64_t seed = 1;
    // 921 600 baud 8N1 is 92.16 bytes per millisecond. Zero means no line delay at all.
    double bytes_per_ms = 92.16;
  };
  using Receiver = std::function<void(std::span<const std::uint8_t>)>;

  FaultyByteChannel(VirtualClock& clock, Options options);
  FaultyByteChannel(const FaultyByteChannel&) = delete;
  FaultyByteChannel& operator=(const FaultyByteChannel&) = delete;

  // The receiving end of `direction` (B for kAToB). Bytes arriving with no receiver set
  // are delivered nowhere but still counted.
  void set_receiver(Direction direction, Receiver receiver);
  void set_rates(Direction direction, const LineFaultRates& rates);
  void script(const ScriptedLineFault& fault);

  void send(Direction direction, std::span<const std::uint8_t> bytes);
  // Convenience for endpoints: A sends toward B, B toward A.
  void send_from_a(std::span<const std::uint8_t> bytes) { send(Direction::kAToB, bytes); }
  void send_from_b(std::span<const std::uint8_t> bytes) { send(Direction::kBToA, bytes); }

  [[nodiscard]] bool connected(Direction direction, Instant at) const;
  [[nodiscard]] const LineStats& stats(Direction direction) const;
  // When the line of `direction` is next free to start a new chunk.
  [[nodiscard]] Instant line_free_at(Direction direction) const;

 private:
  struct Line {
    std::mt19937_64 random;
    LineFaultRates rates;
    Receiver receiver;
    Instant free_at{};       // end of the last transmission
    Instant last_arrival{};  // FIFO: no chunk arrives before the previous one
    std::optional<std::vector<std::uint8_t>> held;  // a chunk waiting to be reordered
    LineStats stats;
  };

  [[nodiscard]] double uniform(Line& line);
  [[nodiscard]] bool chance(Line& line, double probability);
  [[nodiscard]] bool in_window(Direction direction, LineFault fault, Instant at) const;
  [[nodiscard]] Duration scripted_delay(Direction direction, Instant at) const;
  [[nodiscard]] Instant after_stalls(Direction direction, Instant arrival) const;
  void deliver_at(Direction direction, Instant at, std::vector<std::uint8_t> bytes);
  Line& line(Direction direction) { return lines_[static_cast<int>(direction)]; }
  const Line& line(Direction direction) const { return lines_[static_cast<int>(direction)]; }

  VirtualClock& clock_;
  Options options_;
  Line lines_[2];
  std::vector<ScriptedLineFault> scripted_;
};

}  // namespace rfneedle::testing
