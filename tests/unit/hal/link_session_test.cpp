// LinkSession on its own: two sessions joined by hand, time moved by hand, so every
// timing of DESIGN 3 is checked at its boundary.
#include "hal/link_session.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <vector>

#include "hal/frame.h"

namespace rfneedle::hal {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Recorder final : LinkListener {
  void on_payload(const ReceivedPayload& p) override {
    (p.delivery == Delivery::kReliable ? reliable : unreliable)
        .emplace_back(p.bytes.begin(), p.bytes.end());
  }
  void on_link_fault(LinkFault f) override { faults.push_back(f); }
  std::vector<Bytes> reliable;
  std::vector<Bytes> unreliable;
  std::vector<LinkFault> faults;
};

struct WireFrame {
  FrameHeader header;
  Bytes payload;
  std::size_t wire_bytes;
};

std::vector<WireFrame> frames_in(std::span<const std::uint8_t> wire) {
  std::vector<WireFrame> frames;
  FrameDecoder decoder;
  std::size_t start = 0;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    if (decoder.push(wire[i]) == DecodeStatus::kFrame) {
      frames.push_back({decoder.header(), Bytes(decoder.payload().begin(), decoder.payload().end()),
                        i + 1 - start});
    }
    if (wire[i] == 0) {
      start = i + 1;
    }
  }
  return frames;
}

Bytes payload_of(std::size_t size, std::uint8_t fill) { return Bytes(size, fill); }

Instant at_ms(double ms) { return Instant(microseconds(static_cast<std::int64_t>(ms * 1000))); }

// A controller-side and a board-side session with a perfect, instant line between them,
// except where a test intercepts the bytes.
struct Pair {
  Recorder controller_events;
  Recorder board_events;
  LinkSession controller{LinkConfig{}, controller_events, Instant{}};
  LinkSession board{LinkConfig{.dead_link_after = Duration::zero()}, board_events, Instant{}};
  std::array<std::uint8_t, 4096> buffer{};

  Bytes output(LinkSession& from, Instant now) {
    const std::size_t n = from.take_output(buffer, now);
    return Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }
  void controller_to_board(Instant now) { board.on_bytes(output(controller, now), now); }
  void board_to_controller(Instant now) { controller.on_bytes(output(board, now), now); }
};

TEST(LinkSession, DeliversReliablePayloadsInOrderEachOnce) {
  Pair p;
  for (std::uint8_t i = 0; i < 5; ++i) {
    ASSERT_EQ(p.controller.send_reliable(payload_of(10, i)), SendResult::kQueued);
  }
  p.controller_to_board(at_ms(0));
  ASSERT_EQ(p.board_events.reliable.size(), 5U);
  for (std::uint8_t i = 0; i < 5; ++i) {
    EXPECT_EQ(p.board_events.reliable[i], payload_of(10, i));
  }
}

// Verifies: SR-33
TEST(LinkSession, AcknowledgesAReliableFrameAtTheNextWriteWithABareAck) {
  Pair p;
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  p.controller_to_board(at_ms(0));
  const auto acks = frames_in(p.output(p.board, at_ms(0)));
  ASSERT_EQ(acks.size(), 1U);
  EXPECT_TRUE(acks[0].header.flags & frame_flags::kAckValid);
  EXPECT_FALSE(acks[0].header.flags & frame_flags::kReliable);
  EXPECT_EQ(acks[0].header.ack, 0);
  EXPECT_TRUE(acks[0].payload.empty());
  EXPECT_EQ(p.board.stats().bare_acks_sent, 1U);
}

// Verifies: SR-33
TEST(LinkSession, PiggyBacksTheAckOnAnOutgoingFrame) {
  Pair p;
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  p.controller_to_board(at_ms(0));
  ASSERT_EQ(p.board.send_unreliable(payload_of(20, 7)), SendResult::kQueued);
  const auto frames = frames_in(p.output(p.board, at_ms(0.5)));
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_TRUE(frames[0].header.flags & frame_flags::kAckValid);
  EXPECT_EQ(frames[0].payload, payload_of(20, 7));
  EXPECT_EQ(p.board.stats().bare_acks_sent, 0U);
}

// Verifies: SR-33
TEST(LinkSession, RetransmitsAt5msNotAt4999us) {
  Pair p;
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  const auto first = frames_in(p.output(p.controller, at_ms(0)));
  ASSERT_EQ(first.size(), 1U);
  p.controller.tick(at_ms(4.999));
  EXPECT_TRUE(p.output(p.controller, at_ms(4.999)).empty());
  p.controller.tick(at_ms(5));
  const auto again = frames_in(p.output(p.controller, at_ms(5)));
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].header.seq, first[0].header.seq);
  EXPECT_EQ(again[0].payload, first[0].payload);
  EXPECT_EQ(p.controller.stats().retransmissions, 1U);
}

// Verifies: SR-33
TEST(LinkSession, DeclaresALinkFaultAt20msAfterThreeRetriesNotAt19ms) {
  Pair p;
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  for (int ms = 0; ms < 20; ++ms) {
    // The board is still heard (telemetry), so this is the retry limit, not silence.
    ASSERT_EQ(p.board.send_unreliable(payload_of(4, 9)), SendResult::kQueued);
    p.board_to_controller(at_ms(ms));
    p.controller.tick(at_ms(ms));
    (void)p.output(p.controller, at_ms(ms));
  }
  EXPECT_EQ(p.controller.stats().retransmissions, 3U);
  EXPECT_TRUE(p.controller_events.faults.empty());
  p.controller.tick(at_ms(20));
  ASSERT_EQ(p.controller_events.faults.size(), 1U);
  EXPECT_EQ(p.controller_events.faults[0], LinkFault::kRetriesExhausted);
  EXPECT_TRUE(p.controller.faulted());
  EXPECT_EQ(p.controller.send_reliable(payload_of(10, 2)), SendResult::kLinkFaulted);
}

TEST(LinkSession, AnAcknowledgedFrameIsNeverRetransmitted) {
  Pair p;
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  p.controller_to_board(at_ms(0));
  p.board_to_controller(at_ms(0.5));
  EXPECT_EQ(p.controller.in_flight(), 0U);
  for (int ms = 1; ms <= 30; ++ms) {
    p.controller.tick(at_ms(ms));
    p.board_to_controller(at_ms(ms));
    EXPECT_TRUE(frames_in(p.output(p.controller, at_ms(ms))).empty());
  }
  EXPECT_EQ(p.controller.stats().retransmissions, 0U);
}

// Verifies: SR-34
TEST(LinkSession, ADuplicateIsAckedAgainAndNotDeliveredAgain) {
  Pair p;
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  const Bytes wire = p.output(p.controller, at_ms(0));
  p.board.on_bytes(wire, at_ms(0));
  (void)p.output(p.board, at_ms(0));
  p.board.on_bytes(wire, at_ms(1));
  EXPECT_EQ(p.board_events.reliable.size(), 1U);
  EXPECT_EQ(p.board.stats().duplicates_received, 1U);
  const auto ack = frames_in(p.output(p.board, at_ms(1)));
  ASSERT_EQ(ack.size(), 1U);
  EXPECT_EQ(ack[0].header.ack, 0);
}

// Verifies: SR-34
TEST(LinkSession, DropsFramesAfterAGapAndDeliversThemInOrderOnceRetransmitted) {
  Pair p;
  for (std::uint8_t i = 0; i < 3; ++i) {
    ASSERT_EQ(p.controller.send_reliable(payload_of(10, i)), SendResult::kQueued);
  }
  auto frames = frames_in(p.output(p.controller, at_ms(0)));
  ASSERT_EQ(frames.size(), 3U);
  // Frame 0 is lost; 1 and 2 arrive.
  std::array<std::uint8_t, kMaxWireBytes> wire{};
  for (std::size_t i = 1; i < 3; ++i) {
    const std::size_t n = encode_frame(frames[i].header, frames[i].payload, wire);
    p.board.on_bytes(std::span(wire).first(n), at_ms(0.5));
  }
  EXPECT_TRUE(p.board_events.reliable.empty());
  EXPECT_EQ(p.board.stats().out_of_order_received, 2U);
  p.controller.tick(at_ms(5));
  p.controller_to_board(at_ms(5));
  ASSERT_EQ(p.board_events.reliable.size(), 3U);
  for (std::uint8_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p.board_events.reliable[i], payload_of(10, i));
  }
}

// Verifies: SR-38
TEST(LinkSession, UrgentFramesGoOutAheadOfEverythingQueued) {
  Pair p;
  for (std::uint8_t i = 0; i < 8; ++i) {
    ASSERT_EQ(p.controller.send_reliable(payload_of(30, i)), SendResult::kQueued);
    ASSERT_EQ(p.controller.send_unreliable(payload_of(30, 100)), SendResult::kQueued);
  }
  ASSERT_EQ(p.controller.send_urgent(payload_of(8, 0xAB), Delivery::kReliable),
            SendResult::kQueued);
  ASSERT_EQ(p.controller.send_urgent(payload_of(8, 0xCD), Delivery::kUnreliable),
            SendResult::kQueued);
  const auto frames = frames_in(p.output(p.controller, at_ms(0)));
  ASSERT_GE(frames.size(), 2U);
  EXPECT_EQ(frames[0].payload, payload_of(8, 0xAB));
  EXPECT_TRUE(frames[0].header.flags & frame_flags::kReliable);
  EXPECT_EQ(frames[1].payload, payload_of(8, 0xCD));
}

// A reliable frame (payload 1) written at 0 ms is lost; at 5 ms it is due again when an
// urgent reliable frame (payload 0xAB, the abort) is sent.
void send_urgent_while_a_lost_frame_is_due(Pair& p) {
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  ASSERT_EQ(frames_in(p.output(p.controller, at_ms(0))).size(), 1U);
  p.controller.tick(at_ms(5));
  ASSERT_EQ(p.controller.send_urgent(payload_of(8, 0xAB), Delivery::kReliable),
            SendResult::kQueued);
}

// Verifies: SR-38
TEST(LinkSession, AnUrgentFrameGoesAheadOfADueRetransmissionAndAgainRightBehindIt) {
  Pair p;
  send_urgent_while_a_lost_frame_is_due(p);
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 2)), SendResult::kQueued);
  const Bytes wire = p.output(p.controller, at_ms(5));
  const auto frames = frames_in(wire);
  // The abort first; the lost frame; the abort again (the board dropped it after the
  // gap); then the queued command.
  ASSERT_EQ(frames.size(), 4U);
  EXPECT_EQ(frames[0].payload, payload_of(8, 0xAB));
  EXPECT_EQ(frames[0].header.seq, 1U);
  EXPECT_EQ(frames[1].payload, payload_of(10, 1));
  EXPECT_EQ(frames[1].header.seq, 0U);
  EXPECT_EQ(frames[2].payload, payload_of(8, 0xAB));
  EXPECT_EQ(frames[2].header.seq, 1U);
  EXPECT_EQ(frames[3].payload, payload_of(10, 2));
  EXPECT_EQ(frames[3].header.seq, 2U);
  p.board.on_bytes(wire, at_ms(5));
  ASSERT_EQ(p.board_events.reliable.size(), 3U);
  EXPECT_EQ(p.board_events.reliable[0], payload_of(10, 1));
  EXPECT_EQ(p.board_events.reliable[1], payload_of(8, 0xAB));
  EXPECT_EQ(p.board_events.reliable[2], payload_of(10, 2));
  EXPECT_EQ(p.board.stats().out_of_order_received, 1U);
}

// Verifies: SR-33
TEST(LinkSession, AnUrgentFrameWrittenAgainBehindADueRetransmissionIsStillWrittenAtMostFourTimes) {
  Pair p;
  send_urgent_while_a_lost_frame_is_due(p);
  const Bytes wire = p.output(p.controller, at_ms(5));
  const auto frames = frames_in(wire);
  ASSERT_EQ(frames.size(), 3U);
  ASSERT_EQ(frames[1].payload, payload_of(10, 1));
  // Only the retransmitted frame arrives, and is acknowledged: the urgent one is lost
  // both times, and every time after.
  const auto offset = static_cast<std::ptrdiff_t>(frames[0].wire_bytes);
  p.board.on_bytes(Bytes(wire.begin() + offset,
                         wire.begin() + offset + static_cast<std::ptrdiff_t>(frames[1].wire_bytes)),
                   at_ms(5));
  int urgent_writes = 2;
  for (int ms = 6; ms <= 40 && !p.controller.faulted(); ++ms) {
    ASSERT_EQ(p.board.send_unreliable(payload_of(4, 9)), SendResult::kQueued);
    p.board_to_controller(at_ms(ms));
    p.controller.tick(at_ms(ms));
    for (const auto& frame : frames_in(p.output(p.controller, at_ms(ms)))) {
      urgent_writes += frame.payload == payload_of(8, 0xAB) ? 1 : 0;
    }
  }
  ASSERT_TRUE(p.controller.faulted());
  EXPECT_EQ(urgent_writes, 4);  // 1 + 3 retries
}

// Verifies: SR-43
TEST(LinkSession, WritesNoFrameOver64WireBytesInPulseModeAndHoldsLargerOnes) {
  Pair p;
  p.board.set_pulse_mode(true);
  ASSERT_EQ(p.board.send_reliable(payload_of(120, 1)), SendResult::kQueued);
  ASSERT_EQ(p.board.send_reliable(payload_of(10, 2)), SendResult::kQueued);
  ASSERT_EQ(p.board.send_unreliable(payload_of(200, 3)), SendResult::kQueued);
  ASSERT_EQ(p.board.send_unreliable(payload_of(40, 4)), SendResult::kQueued);
  const auto during = frames_in(p.output(p.board, at_ms(0)));
  ASSERT_EQ(during.size(), 1U);  // the small telemetry passes; reliable order holds the rest
  EXPECT_EQ(during[0].payload, payload_of(40, 4));
  for (const auto& f : during) {
    EXPECT_LE(f.wire_bytes, kPulseWireLimit);
  }
  p.board.set_pulse_mode(false);
  const auto after = frames_in(p.output(p.board, at_ms(1)));
  ASSERT_EQ(after.size(), 3U);
  EXPECT_EQ(after[0].payload, payload_of(200, 3));
  EXPECT_EQ(after[1].payload, payload_of(120, 1));
  EXPECT_EQ(after[2].payload, payload_of(10, 2));
}

// Verifies: SR-43
TEST(LinkSession, ALargeUrgentFrameHeldInPulseModeLetsTelemetryPass) {
  Pair p;
  p.board.set_pulse_mode(true);
  ASSERT_EQ(p.board.send_urgent(payload_of(100, 1), Delivery::kUnreliable), SendResult::kQueued);
  ASSERT_EQ(p.board.send_unreliable(payload_of(20, 2)), SendResult::kQueued);
  const auto during = frames_in(p.output(p.board, at_ms(0)));
  ASSERT_EQ(during.size(), 1U);
  EXPECT_EQ(during[0].payload, payload_of(20, 2));
  p.board.set_pulse_mode(false);
  const auto after = frames_in(p.output(p.board, at_ms(1)));
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].payload, payload_of(100, 1));
}

TEST(LinkSession, AFullQueueIsAnErrorValueNotGrowth) {
  Pair p;
  for (std::size_t i = 0; i < LinkSession::kReliableQueueCapacity; ++i) {
    ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  }
  EXPECT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueueFull);
  for (std::size_t i = 0; i < LinkSession::kUnreliableQueueCapacity; ++i) {
    ASSERT_EQ(p.controller.send_unreliable(payload_of(10, 1)), SendResult::kQueued);
  }
  EXPECT_EQ(p.controller.send_unreliable(payload_of(10, 1)), SendResult::kQueueFull);
  EXPECT_EQ(p.controller.send_reliable(payload_of(kMaxPayloadBytes + 1, 1)), SendResult::kTooLarge);
  EXPECT_EQ(p.controller.stats().send_queue_full, 2U);
}

TEST(LinkSession, KeepsAtMostTheWindowInFlight) {
  Pair p;
  for (std::size_t i = 0; i < LinkSession::kReliableQueueCapacity; ++i) {
    ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  }
  EXPECT_EQ(frames_in(p.output(p.controller, at_ms(0))).size(), LinkSession::kWindow);
  EXPECT_EQ(p.controller.in_flight(), LinkSession::kWindow);
}

TEST(LinkSession, DeclaresADeadLinkAt20msOfSilenceNotAt19ms) {
  Pair p;
  ASSERT_EQ(p.board.send_unreliable(payload_of(4, 1)), SendResult::kQueued);
  p.board_to_controller(at_ms(3));
  p.controller.tick(at_ms(22.999));
  EXPECT_TRUE(p.controller_events.faults.empty());
  p.controller.tick(at_ms(23));
  ASSERT_EQ(p.controller_events.faults.size(), 1U);
  EXPECT_EQ(p.controller_events.faults[0], LinkFault::kSilence);
  EXPECT_EQ(p.controller.stats().link_faults, 1U);
}

TEST(LinkSession, AFaultedSessionStillSendsUnreliableFrames) {
  Pair p;
  p.controller.tick(at_ms(20));
  ASSERT_TRUE(p.controller.faulted());
  ASSERT_EQ(p.controller.send_urgent(payload_of(6, 5), Delivery::kUnreliable), SendResult::kQueued);
  p.controller_to_board(at_ms(21));
  ASSERT_EQ(p.board_events.unreliable.size(), 1U);
  EXPECT_EQ(p.board_events.unreliable[0], payload_of(6, 5));
}

// Verifies: SR-42
TEST(LinkSession, ANewSessionClearsSequenceAndDuplicateMemory) {
  Pair p;
  ASSERT_EQ(p.controller.send_reliable(payload_of(10, 1)), SendResult::kQueued);
  const Bytes old_session = p.output(p.controller, at_ms(0));
  p.board.on_bytes(old_session, at_ms(0));
  p.board.on_bytes(old_session, at_ms(0));
  EXPECT_EQ(p.board_events.reliable.size(), 1U);
  p.controller.reset(42, at_ms(1));
  p.board.reset(42, at_ms(1));
  EXPECT_EQ(p.board.nonce(), 42U);
  p.board.on_bytes(old_session, at_ms(2));  // sequence 0 again: new, not a duplicate
  EXPECT_EQ(p.board_events.reliable.size(), 2U);
}

TEST(LinkSession, CountsTelemetryGapsBySampleCounter) {
  Pair p;
  EXPECT_EQ(p.controller.note_telemetry_sample(10), 0U);
  EXPECT_EQ(p.controller.note_telemetry_sample(11), 0U);
  EXPECT_EQ(p.controller.note_telemetry_sample(14), 2U);
  EXPECT_EQ(p.controller.note_telemetry_sample(14), 0U);          // duplicate
  EXPECT_EQ(p.controller.note_telemetry_sample(12), 0U);          // late
  EXPECT_EQ(p.controller.note_telemetry_sample(0xFFFFFFFF), 0U);  // far behind
  EXPECT_EQ(p.controller.note_telemetry_sample(15), 0U);
  EXPECT_EQ(p.controller.stats().telemetry_gaps, 2U);
}

// Verifies: SR-32
TEST(LinkSession, CountsDecoderAndPayloadErrorsInItsStatistics) {
  Pair p;
  const Bytes garbage = {0x05, 0x11, 0x22, 0x00};
  p.board.on_bytes(garbage, at_ms(0));
  p.board.report_payload_error();
  EXPECT_EQ(p.board.stats().bytes_received, 4U);
  EXPECT_EQ(p.board.stats().decoder.framing_errors + p.board.stats().decoder.crc_errors, 1U);
  EXPECT_EQ(p.board.stats().payload_errors, 1U);
  EXPECT_EQ(p.board.stats().frames_received, 0U);
}

}  // namespace
}  // namespace rfneedle::hal
