#include "tests/support/faulty_byte_channel.h"

#include <cmath>
#include <stdexcept>

namespace rfneedle::testing {

FaultyByteChannel::FaultyByteChannel(VirtualClock& clock, Options options)
    : clock_(clock), options_(options) {
  if (options.bytes_per_ms < 0) {
    throw std::invalid_argument("FaultyByteChannel: bytes_per_ms must not be negative");
  }
  // Each direction draws from its own stream, so traffic one way never shifts the
  // faults of the other.
  lines_[0].random.seed(options.seed * 2 + 0);
  lines_[1].random.seed(options.seed * 2 + 1);
}

void FaultyByteChannel::set_receiver(Direction direction, Receiver receiver) {
  line(direction).receiver = std::move(receiver);
}

void FaultyByteChannel::set_rates(Direction direction, const LineFaultRates& rates) {
  for (double p :
       {rates.drop_byte, rates.corrupt_byte, rates.duplicate_chunk, rates.reorder_chunk}) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw std::invalid_argument("FaultyByteChannel: a fault rate must be within [0, 1]");
    }
  }
  line(direction).rates = rates;
}

void FaultyByteChannel::script(const ScriptedLineFault& fault) {
  if (fault.length < Duration::zero()) {
    throw std::invalid_argument("FaultyByteChannel: a scripted fault's length is negative");
  }
  scripted_.push_back(fault);
}

bool FaultyByteChannel::in_window(Direction direction, LineFault fault, Instant at) const {
  for (const auto& s : scripted_) {
    if (s.direction == direction && s.fault == fault && at >= s.start && at < s.start + s.length) {
      return true;
    }
  }
  return false;
}

Duration FaultyByteChannel::scripted_delay(Direction direction, Instant at) const {
  Duration total{0};
  for (const auto& s : scripted_) {
    if (s.direction == direction && s.fault == LineFault::kDelay && at >= s.start &&
        at < s.start + s.length) {
      total += s.delay;
    }
  }
  return total;
}

Instant FaultyByteChannel::after_stalls(Direction direction, Instant arrival) const {
  // A stall window holds back everything that would arrive in it until the window ends;
  // windows may chain.
  bool moved = true;
  while (moved) {
    moved = false;
    for (const auto& s : scripted_) {
      if (s.direction == direction && s.fault == LineFault::kStall && arrival >= s.start &&
          arrival < s.start + s.length) {
        arrival = s.start + s.length;
        moved = true;
      }
    }
  }
  return arrival;
}

bool FaultyByteChannel::connected(Direction direction, Instant at) const {
  return !in_window(direction, LineFault::kDisconnect, at);
}

const LineStats& FaultyByteChannel::stats(Direction direction) const {
  return line(direction).stats;
}

Instant FaultyByteChannel::line_free_at(Direction direction) const {
  return line(direction).free_at;
}

double FaultyByteChannel::uniform(Line& l) {
  // 53 random bits into [0, 1): the same on every standard library, unlike the
  // distributions of <random>.
  return static_cast<double>(l.random() >> 11) * 0x1.0p-53;
}

bool FaultyByteChannel::chance(Line& l, double probability) {
  return probability > 0 && uniform(l) < probability;
}

void FaultyByteChannel::send(Direction direction, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) {
    return;
  }
  Line& l = line(direction);
  const Instant now = clock_.now();
  l.stats.chunks_sent++;
  l.stats.bytes_sent += bytes.size();

  // The line is busy for the whole chunk even if bytes are lost on it.
  const Instant start = std::max(now, l.free_at);
  Duration on_line{0};
  if (options_.bytes_per_ms > 0) {
    on_line = Duration(static_cast<Duration::rep>(
        std::ceil(static_cast<double>(bytes.size()) * 1000.0 / options_.bytes_per_ms)));
  }
  l.free_at = start + on_line;

  if (!connected(direction, now)) {
    l.stats.bytes_dropped += bytes.size();
    return;
  }

  const bool drop_all = in_window(direction, LineFault::kDrop, now);
  std::vector<std::uint8_t> out;
  if (drop_all) {
    l.stats.bytes_dropped += bytes.size();
    return;
  }
  if (l.rates.drop_byte <= 0 && l.rates.corrupt_byte <= 0) {
    // No byte faults: nothing is drawn per byte (the same stream as the loop below).
    out.assign(bytes.begin(), bytes.end());
  } else {
    out.reserve(bytes.size());
  }
  for (std::uint8_t b : out.empty() ? bytes : std::span<const std::uint8_t>{}) {
    if (chance(l, l.rates.drop_byte)) {
      l.stats.bytes_dropped++;
      continue;
    }
    if (chance(l, l.rates.corrupt_byte)) {
      b ^= static_cast<std::uint8_t>(1U << (l.random() % 8));
      l.stats.bytes_corrupted++;
    }
    out.push_back(b);
  }
  if (out.empty()) {
    return;
  }
  if (in_window(direction, LineFault::kCorrupt, now)) {
    out[l.random() % out.size()] ^= static_cast<std::uint8_t>(1U << (l.random() % 8));
    l.stats.bytes_corrupted++;
  }

  Duration extra = scripted_delay(direction, now);
  if (l.rates.delay_jitter > Duration::zero()) {
    extra += Duration(static_cast<Duration::rep>(
        l.random() % static_cast<std::uint64_t>(l.rates.delay_jitter.count() + 1)));
  }
  Instant arrival = std::max(l.free_at + extra, l.last_arrival);
  arrival = after_stalls(direction, arrival);
  l.last_arrival = arrival;

  const bool duplicate =
      in_window(direction, LineFault::kDuplicate, now) || chance(l, l.rates.duplicate_chunk);
  const bool reorder =
      in_window(direction, LineFault::kReorder, now) || chance(l, l.rates.reorder_chunk);

  std::optional<std::vector<std::uint8_t>> held = std::move(l.held);
  l.held.reset();
  if (reorder && !held) {
    // Held until the next chunk of this direction has arrived.
    l.stats.chunks_reordered++;
    if (duplicate) {
      l.stats.chunks_duplicated++;
      deliver_at(direction, arrival, out);
    }
    l.held = std::move(out);
    return;
  }
  if (duplicate) {
    l.stats.chunks_duplicated++;
    deliver_at(direction, arrival, out);
  }
  deliver_at(direction, arrival, std::move(out));
  if (held) {
    deliver_at(direction, arrival, std::move(*held));
  }
}

void FaultyByteChannel::deliver_at(Direction direction, Instant at,
                                   std::vector<std::uint8_t> bytes) {
  clock_.call_at(at, [this, direction, bytes = std::move(bytes)]() {
    Line& l = line(direction);
    if (!connected(direction, clock_.now())) {
      l.stats.bytes_dropped += bytes.size();
      return;
    }
    l.stats.chunks_delivered++;
    l.stats.bytes_delivered += bytes.size();
    if (l.receiver) {
      l.receiver(bytes);
    }
  });
}

}  // namespace rfneedle::testing
