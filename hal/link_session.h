// The reliable link session of DESIGN 3, sans-I/O: bytes, a 1 kHz tick and `now` go in;
// wire bytes, delivered payloads and link faults come out. The controller and every board
// implementation (the simulator's firmware included) use this one class.
//
// Reliability is go-back-N: the receiver accepts only the next expected sequence number
// (later frames are dropped, earlier ones are duplicates: acked again, never delivered
// again); the sender retransmits every unacknowledged frame, in order, 5 ms after the
// oldest one was last written, at most 3 times, then declares a link fault (20 ms).
// Sequence numbers are given when a reliable frame is first written, so the urgent path
// can put an abort ahead of every queued command without breaking the order; an urgent
// frame written ahead of due retransmissions is written again right after them.
//
// Payloads are opaque (serialized device.proto envelopes). The owner pulls wire bytes
// with take_output() whenever its line can take them, so the shell decides the pacing.
// Nothing here allocates: every queue is a fixed array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/fixed_queue.h"
#include "hal/frame.h"
#include "hal/link_stats.h"
#include "hal/time.h"

namespace rfneedle::hal {

struct LinkConfig {
  Duration retransmit_after = milliseconds(5);  // DESIGN 3
  int max_retries = 3;                          // DESIGN 3: then a link fault
  // No valid frame for this long is a link fault; zero turns the detector off (a board
  // relies on BoardGate's 50 ms dead-man instead). 20 ms suits the controller's view of
  // a board sending telemetry at 1 kHz.
  Duration dead_link_after = milliseconds(20);
};

enum class Delivery : std::uint8_t { kReliable, kUnreliable };

enum class LinkFault : std::uint8_t {
  kRetriesExhausted,  // a reliable frame went unacknowledged after every retry
  kSilence,           // no valid frame for LinkConfig::dead_link_after
};

enum class SendResult : std::uint8_t {
  kQueued,
  kQueueFull,    // bounded queue: the caller decides what to drop or refuse
  kTooLarge,     // over kMaxPayloadBytes
  kLinkFaulted,  // reliable sends are refused until reset() starts a new session
};

struct ReceivedPayload {
  Delivery delivery;
  std::uint16_t seq;  // reliable only: consecutive, in order, each once
  std::span<const std::uint8_t> bytes;
};

// The owner's side of delivery. Called from on_bytes() and tick(); a handler may call
// the session's send functions.
class LinkListener {
 public:
  virtual void on_payload(const ReceivedPayload& payload) = 0;
  virtual void on_link_fault(LinkFault fault) = 0;

 protected:
  ~LinkListener() = default;
};

class LinkSession {
 public:
  static constexpr std::size_t kWindow = 8;  // reliable frames in flight (urgent ones extra)
  static constexpr std::size_t kReliableQueueCapacity = 16;
  static constexpr std::size_t kUnreliableQueueCapacity = 8;
  static constexpr std::size_t kUrgentQueueCapacity = 4;

  LinkSession(LinkConfig config, LinkListener& listener, Instant now);
  LinkSession(const LinkSession&) = delete;
  LinkSession& operator=(const LinkSession&) = delete;

  // A new session: sequence numbers, acknowledgement and duplicate memory, queues and a
  // latched link fault are cleared. Statistics are per link and survive. Both ends start
  // again at sequence 0, so the owners separate sessions on the (FIFO) line with the
  // handshake, which travels unreliably: the board resets when a new nonce arrives, the
  // controller when it sends the handshake and again when the matching reply arrives.
  void reset(std::uint64_t nonce, Instant now);

  void on_bytes(std::span<const std::uint8_t> bytes, Instant now);
  // The line went away and came back: a partly received frame is garbage.
  void discard_partial_frame() { decoder_.discard_partial_frame(); }
  // At 1 kHz: retransmission timers and the dead-link detector run here.
  void tick(Instant now);
  // Writes whole frames into `out`, most urgent first, and returns the bytes written.
  [[nodiscard]] std::size_t take_output(std::span<std::uint8_t> out, Instant now);
  // True when take_output() may have something to write.
  [[nodiscard]] bool has_output() const;

  [[nodiscard]] SendResult send_reliable(std::span<const std::uint8_t> payload);
  [[nodiscard]] SendResult send_unreliable(std::span<const std::uint8_t> payload);
  // Ahead of everything queued and of due retransmissions, written first at the next
  // take_output(), in the order sent (DESIGN 3: the rf_permitted = false heartbeat, then
  // the abort).
  [[nodiscard]] SendResult send_urgent(std::span<const std::uint8_t> payload, Delivery delivery);

  // While a pulse is delivered no frame over kPulseWireLimit wire bytes is written; larger
  // frames wait (DESIGN 3: telemetry is never held up behind a long frame).
  void set_pulse_mode(bool delivering_pulse) { pulse_mode_ = delivering_pulse; }

  // The owner could not parse a delivered payload.
  void report_payload_error() { ++stats_.payload_errors; }
  // Counts telemetry samples missing before `sample_counter`; returns how many.
  std::uint32_t note_telemetry_sample(std::uint32_t sample_counter);

  [[nodiscard]] bool faulted() const { return faulted_; }
  // When the latest valid frame arrived: a board renews its dead-man from it.
  [[nodiscard]] Instant last_valid_frame() const { return last_valid_frame_; }
  [[nodiscard]] std::uint64_t nonce() const { return nonce_; }
  [[nodiscard]] const LinkStats& stats() const { return stats_; }
  [[nodiscard]] std::size_t in_flight() const { return in_flight_.size(); }
  [[nodiscard]] std::size_t queued_reliable() const { return reliable_.size(); }

 private:
  struct Payload {
    std::array<std::uint8_t, kMaxPayloadBytes> bytes{};
    std::size_t size = 0;
    [[nodiscard]] std::span<const std::uint8_t> view() const { return {bytes.data(), size}; }
  };
  struct UrgentFrame {
    Payload payload;
    Delivery delivery = Delivery::kUnreliable;
  };
  struct InFlightFrame {
    Payload payload;
    std::uint16_t seq = 0;
    Instant last_written{};
    int retries = 0;              // retransmissions of this frame (SR-33: at most 3)
    bool awaiting_write = false;  // marked for retransmission, not yet written again
    bool urgent = false;          // outside the normal window
  };
  enum class Write : std::uint8_t { kWritten, kNoRoom, kHeld };

  [[nodiscard]] static bool fill(Payload& slot, std::span<const std::uint8_t> payload);
  [[nodiscard]] Write write_frame(std::uint8_t flags, std::uint16_t seq,
                                  std::span<const std::uint8_t> payload,
                                  std::span<std::uint8_t> out, std::size_t& written);
  [[nodiscard]] Write write_retransmissions(std::span<std::uint8_t> out, std::size_t& written,
                                            Instant now);
  [[nodiscard]] Write write_urgent(std::span<std::uint8_t> out, std::size_t& written, Instant now);
  [[nodiscard]] bool write_unreliable(std::span<std::uint8_t> out, std::size_t& written);
  void write_new_reliable(std::span<std::uint8_t> out, std::size_t& written, Instant now);
  [[nodiscard]] Write write_new_in_flight(const Payload& payload, bool urgent,
                                          std::span<std::uint8_t> out, std::size_t& written,
                                          Instant now);
  void on_frame(const FrameHeader& header, std::span<const std::uint8_t> payload);
  void on_ack(std::uint16_t ack);
  void declare_fault(LinkFault fault);
  [[nodiscard]] std::size_t normal_in_flight() const;
  [[nodiscard]] bool retransmission_due() const;

  LinkConfig config_;
  LinkListener& listener_;
  FrameDecoder decoder_;
  LinkStats stats_;
  std::array<std::uint8_t, kMaxWireBytes> scratch_{};

  std::uint64_t nonce_ = 0;
  bool faulted_ = false;
  bool pulse_mode_ = false;

  FixedQueue<UrgentFrame, kUrgentQueueCapacity> urgent_;
  FixedQueue<Payload, kReliableQueueCapacity> reliable_;
  FixedQueue<Payload, kUnreliableQueueCapacity> unreliable_;
  FixedQueue<InFlightFrame, kWindow + kUrgentQueueCapacity> in_flight_;
  std::uint16_t next_seq_ = 0;

  bool received_any_reliable_ = false;
  std::uint16_t expected_seq_ = 0;  // the next reliable frame to deliver
  bool ack_owed_ = false;
  Instant last_valid_frame_{};

  bool have_sample_ = false;
  std::uint32_t last_sample_ = 0;
};

}  // namespace rfneedle::hal
