// What one stream connection has still to send (issue 9): bounded; when it is full,
// telemetry is coalesced (the newest summary replaces a queued one), a snapshot replaces
// the queued snapshot, and a connection that cannot take an event is to be closed (its
// client resumes by event ID). Plus the ~30 Hz telemetry summary. Sans-I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "controller/daemon/device_gateway.h"
#include "proto/api.pb.h"

namespace rfneedle::daemon {

class SendQueue {
 public:
  enum class Kind : std::uint8_t { kControl, kSnapshot, kTelemetry, kEvent };
  static constexpr std::size_t kDefaultCapacity = 64;

  explicit SendQueue(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // False: the message could not be queued and the connection must be closed.
  [[nodiscard]] bool push(Kind kind, std::string text);
  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] std::size_t size() const { return items_.size(); }
  // The message to write next; it stays in place (never replaced) until pop().
  [[nodiscard]] const std::string& begin_write();
  void pop();
  [[nodiscard]] std::uint64_t coalesced() const { return coalesced_; }

 private:
  struct Item {
    Kind kind;
    std::string text;
  };
  // The newest queued item of `kind` that is not being written.
  Item* newest(Kind kind);
  bool drop_one(Kind kind);

  std::size_t capacity_;
  std::deque<Item> items_;
  bool writing_ = false;
  std::uint64_t coalesced_ = 0;
};

// 1 kHz samples in, one min/max/last summary per kSamplesPerFrame out (about 30 Hz).
class TelemetryDecimator {
 public:
  static constexpr std::uint32_t kSamplesPerFrame = 33;
  [[nodiscard]] std::optional<api::Telemetry> add(const TelemetrySample& sample);

 private:
  api::Telemetry frame_;
  std::uint32_t samples_ = 0;
};

}  // namespace rfneedle::daemon
