// What crosses between rfneedled's safety thread and its service thread (DESIGN 6), and
// the single-producer/single-consumer queues that carry it. Everything the safety thread
// produces is fixed-size (its text is static, or the core's configuration's, which lives
// as long as the SafetyLoop), so producing it never allocates; the service thread copies
// the text into its own records (SR-71).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "controller/core/core_event.h"
#include "controller/core/pulse_record.h"
#include "controller/core/response.h"
#include "controller/core/status.h"
#include "controller/core/telemetry.h"
#include "controller/daemon/device_gateway.h"
#include "controller/daemon/latency_histogram.h"
#include "controller/daemon/logged_pulse.h"
#include "controller/daemon/spsc_queue.h"

namespace rfneedle::daemon {

// A board's serial number as its handshake gave it (device.proto: at most 24 bytes),
// without allocation.
class BoardSerial {
 public:
  static constexpr std::size_t kMaxSize = 24;
  BoardSerial() = default;
  // Longer text is cut at kMaxSize (the wire's own limit).
  explicit BoardSerial(std::string_view text) {
    size_ = static_cast<std::uint8_t>(std::min(text.size(), kMaxSize));
    std::copy_n(text.data(), size_, text_.data());
  }
  [[nodiscard]] std::string_view view() const { return {text_.data(), size_}; }
  friend bool operator==(const BoardSerial& a, const BoardSerial& b) {
    return a.view() == b.view();
  }

 private:
  std::array<char, kMaxSize> text_{};
  std::uint8_t size_ = 0;
};

// The calibration the store holds in force for one generator (SR-66).
struct CalibrationInForce {
  BoardSerial generator;
  core::CalibrationRecord record;
};

// A calibration concluded by CompleteCalibration, passed or failed, for the store.
struct CalibrationOutcome {
  BoardSerial generator;  // the generator connected when it completed
  bool passed = false;
  std::string_view reason;  // the core's (static text), when it failed
  int runs_passed = 0;
  int runs_failed = 0;
  // Passed: the record now in force. Failed: the day and the attached fixture only.
  core::CalibrationRecord record;
};

// Service → safety: an operator request (answered by exactly one LoopReply, in order), or
// one of the store's answers, which are never refused.
struct LoopInput {
  enum class Kind : std::uint8_t {
    kRequest,
    kRecordStored,
    kPulseIdsReserved,
    kCalibrationStored,
    kStoreCondition,
  };
  Kind kind = Kind::kRequest;
  // kRecordStored: the pulse ID; kPulseIdsReserved: the ceiling; kCalibrationStored: the
  // store's ID of `calibration`; kStoreCondition: store_condition_value (issue 10).
  std::uint64_t value = 0;
  CoreRequest request;
  core::CalibrationRecord calibration;  // kCalibrationStored: the record the ID belongs to
};

// A store condition for the core (Core::on_store_condition) packed into LoopInput::value.
[[nodiscard]] constexpr std::uint64_t store_condition_value(core::Condition condition,
                                                            bool present) {
  return (static_cast<std::uint64_t>(core::index(condition)) << 1) | (present ? 1u : 0u);
}
[[nodiscard]] constexpr core::Condition store_condition_of(std::uint64_t value) {
  return static_cast<core::Condition>(value >> 1);
}
[[nodiscard]] constexpr bool store_condition_present(std::uint64_t value) {
  return (value & 1u) != 0;
}

// Safety → service: the core's answer to the oldest unanswered request.
struct LoopReply {
  core::Response response;
  std::uint64_t session_id = 0;  // the core's open session after the request, 0: none
  std::optional<CalibrationOutcome> calibration;  // CompleteCalibration that ended runs
};

struct PublishedEvent {
  core::CoreEvent event;
  WallMs at = 0;
};
struct PublishedLatch {
  core::LatchRecord latch;
  WallMs at = 0;
};
struct PublishedPulse {
  core::PulseRecord record;
  WallMs at = 0;  // when the safety thread saw the record (its start, for kStarted)
};
struct PublishedSnapshot {
  core::Status status;
  WallMs at = 0;
};

// Text of at most 24 bytes (device.proto's limit for a firmware version or serial
// number), without allocation.
class BoardText {
 public:
  static constexpr std::size_t kMaxSize = 24;
  BoardText() = default;
  explicit BoardText(std::string_view text)
      : size_(static_cast<std::uint8_t>(std::min(text.size(), kMaxSize))) {
    std::copy_n(text.data(), size_, text_.data());
  }
  [[nodiscard]] std::string_view view() const { return {text_.data(), size_}; }

 private:
  std::array<char, kMaxSize> text_{};
  std::uint8_t size_ = 0;
};

// A board's identity, from each handshake it answered (for the session records, issue 9).
struct PublishedIdentity {
  core::Board board = core::Board::kGenerator;
  BoardText firmware;
  BoardText serial;
  bool simulated = false;
  WallMs at = 0;
};

// The safety thread's log lines, formatted and written by the service thread.
struct LogRecord {
  enum class Level : std::uint8_t { kInfo, kWarning, kError };
  Level level = Level::kInfo;
  std::string_view text;  // static
  std::int64_t value = 0;
  bool has_value = false;
};

struct QueueCapacities {
  std::size_t inputs = 32;  // operator requests in flight are bounded by this too
  std::size_t events = 512;
  std::size_t latches = 32;
  std::size_t pulses = 32;
  std::size_t snapshots = 8;
  std::size_t telemetry = 512;
  std::size_t logs = 64;
  std::size_t identities = 8;
  std::size_t pulse_logs = 2;
};

// Every queue between the threads; the safety thread is the producer of all but `inputs`.
struct SafetyChannels {
  explicit SafetyChannels(const QueueCapacities& c)
      : inputs(c.inputs),
        replies(c.inputs),
        events(c.events),
        latches(c.latches),
        pulses(c.pulses),
        snapshots(c.snapshots),
        telemetry(c.telemetry),
        logs(c.logs),
        identities(c.identities),
        pulse_logs(c.pulse_logs) {}

  SpscQueue<LoopInput> inputs;
  // As large as `inputs`: the gateway never has more requests in flight, so a reply
  // always has room.
  SpscQueue<LoopReply> replies;
  SpscQueue<PublishedEvent> events;
  SpscQueue<PublishedLatch> latches;
  SpscQueue<PublishedPulse> pulses;
  SpscQueue<PublishedSnapshot> snapshots;
  SpscQueue<TelemetrySample> telemetry;
  SpscQueue<LogRecord> logs;
  SpscQueue<PublishedIdentity> identities;
  // Reads of the generator's pulse log, for reconciliation (SR-70).
  SpscQueue<PulseLogRead> pulse_logs;
};

// One board's link since rfneedled started (hal::LinkStats and the serial line's figures),
// copied by the safety thread every 100 ms for GET /api/v1/service/link; read anywhere.
struct LinkFigures {
  std::atomic<std::uint64_t> frames_sent{0};
  std::atomic<std::uint64_t> frames_received{0};
  std::atomic<std::uint64_t> retransmissions{0};
  // The errors by kind, in the order of kLinkErrorNames.
  std::array<std::atomic<std::uint64_t>, 11> errors{};
};

inline constexpr std::array<std::string_view, 11> kLinkErrorNames = {
    "framing",         "oversize",      "crc",           "version",
    "duplicate",       "out_of_order",  "payload",       "telemetry_samples_missing",
    "send_queue_full", "link_fault",    "line_disconnected"};

// What the safety thread dropped or held back; written by it, read anywhere.
struct SafetyLoopCounters {
  std::atomic<std::uint64_t> ticks{0};
  std::atomic<std::uint64_t> late_ticks{0};  // woke past the next deadline: ticked once
  std::atomic<std::uint64_t> telemetry_dropped{0};
  std::atomic<std::uint64_t> snapshots_dropped{0};
  std::atomic<std::uint64_t> events_dropped{0};
  std::atomic<std::uint64_t> logs_dropped{0};
  std::atomic<std::uint64_t> records_held{0};  // latches and pulses waiting for queue room
  std::atomic<std::uint64_t> records_lost{0};  // backlog full too: a broken invariant
  std::array<LinkFigures, 2> links;  // by core::Board
  // --- GET /metrics (issue 14): histograms the safety thread fills, copied at scrape ---
  // Each tick's wake-up past its deadline.
  LatencyHistogram tick_lateness{kTickLatenessBoundsUs};
  // Each decision to stop RF: from the input (tick, bytes, request) on which the core
  // made it to the abort and the RF-off heartbeats handed to the serial lines.
  LatencyHistogram rf_off_commanded{kRfOffBoundsUs};
  // --- end of GET /metrics ---
};

}  // namespace rfneedle::daemon
