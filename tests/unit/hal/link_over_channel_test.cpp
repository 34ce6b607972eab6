// A controller-side and a board-side LinkSession joined by the shared FaultyByteChannel on
// the VirtualClock, with the BoardGate behind the board side: the end-to-end rules of
// DESIGN 3 under loss, corruption, duplication, reordering, delay and disconnection.
// Payloads are a small fixed test encoding, since the session and the gate are
// payload-agnostic; driver_test covers device.proto.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "hal/board_gate.h"
#include "hal/link_session.h"
#include "tests/support/faulty_byte_channel.h"
#include "tests/support/virtual_clock.h"

namespace rfneedle::hal {
namespace {

using testing::Direction;
using testing::FaultyByteChannel;
using testing::LineFault;
using testing::LineFaultRates;
using testing::ScriptedLineFault;
using testing::VirtualClock;

enum class Kind : std::uint8_t { kCommand, kPulse, kAbort, kHeartbeat, kTelemetry, kHandshake };

struct Message {
  Kind kind = Kind::kCommand;
  std::uint64_t id = 0;  // command number, pulse ID, nonce or sample counter
  std::uint32_t epoch = 0;
  std::int64_t expires_us = 0;
  bool rf_permitted = false;
};

using Encoded = std::array<std::uint8_t, sizeof(Message)>;

Encoded encode(const Message& m) {
  Encoded out{};
  std::memcpy(out.data(), &m, sizeof m);
  return out;
}

Message decode(std::span<const std::uint8_t> bytes) {
  Message m;
  EXPECT_EQ(bytes.size(), sizeof m);
  std::memcpy(&m, bytes.data(), std::min(bytes.size(), sizeof m));
  return m;
}

// The board's firmware as far as the link is concerned.
struct Board final : LinkListener {
  explicit Board(VirtualClock& c) : clock(c) {}

  void on_payload(const ReceivedPayload& p) override {
    const Message m = decode(p.bytes);
    switch (m.kind) {
      case Kind::kCommand:
        executed.push_back(m.id);
        break;
      case Kind::kPulse: {
        const GateResult r =
            gate.admit_pulse(m.id, m.epoch, Instant(microseconds(m.expires_us)), clock.now());
        pulse_results.push_back(r);
        if (r == GateResult::kOk) {
          pulses_run.push_back(m.id);
          rf_on = true;
        }
        break;
      }
      case Kind::kAbort:
        executed.push_back(kAbortMarker);
        rf_off(gate.on_abort(m.epoch));
        break;
      case Kind::kHeartbeat:
        rf_off(gate.on_heartbeat(m.rf_permitted, m.epoch));
        break;
      case Kind::kHandshake:
        if (gate.on_handshake(m.id)) {
          session.reset(m.id, clock.now());
        }
        break;
      case Kind::kTelemetry:
        break;
    }
  }
  void on_link_fault(LinkFault) override {}

  void rf_off(GateAction action) {
    if (action == GateAction::kRfOff && rf_on) {
      rf_on = false;
      rf_off_at = clock.now();
    }
  }
  void on_bytes(std::span<const std::uint8_t> bytes) {
    const auto before = session.stats().frames_received;
    session.on_bytes(bytes, clock.now());
    if (session.stats().frames_received != before) {
      gate.on_valid_frame(session.last_valid_frame());
    }
  }
  void tick() {
    session.tick(clock.now());
    if (gate.tick(clock.now()) == DeadManEvent::kTripped) {
      dead_man_at = clock.now();
      rf_off(GateAction::kRfOff);
    }
    if (telemetry_on) {
      (void)session.send_unreliable(encode({.kind = Kind::kTelemetry, .id = ++sample}));
    }
  }

  static constexpr std::uint64_t kAbortMarker = ~std::uint64_t{0};
  VirtualClock& clock;
  LinkSession session{LinkConfig{.dead_link_after = Duration::zero()}, *this, clock.now()};
  BoardGate gate{clock.now()};
  bool telemetry_on = true;
  std::uint64_t sample = 0;
  std::vector<std::uint64_t> executed;  // commands and aborts, in execution order
  std::vector<std::uint64_t> pulses_run;
  std::vector<GateResult> pulse_results;
  bool rf_on = false;
  std::optional<Instant> rf_off_at;
  std::optional<Instant> dead_man_at;
};

struct Controller final : LinkListener {
  explicit Controller(VirtualClock& c) : clock(c) {}
  void on_payload(const ReceivedPayload&) override {}
  void on_link_fault(LinkFault f) override {
    faults.push_back(f);
    fault_at = clock.now();
  }
  VirtualClock& clock;
  LinkSession session{LinkConfig{}, *this, clock.now()};
  std::vector<LinkFault> faults;
  std::optional<Instant> fault_at;
};

struct LinkUnderTest {
  explicit LinkUnderTest(std::uint64_t seed = 1) : channel(clock, {.seed = seed}) {
    channel.set_receiver(Direction::kAToB,
                         [this](std::span<const std::uint8_t> b) { board.on_bytes(b); });
    channel.set_receiver(Direction::kBToA, [this](std::span<const std::uint8_t> b) {
      controller.session.on_bytes(b, clock.now());
    });
    (void)board.gate.on_handshake(1);
    board.gate.on_valid_frame(clock.now());
    clock.call_every(milliseconds(1), [this] { tick(); });
    // The shells write whenever their line is free (the simulator paces real output so).
    clock.call_every(microseconds(50), [this] {
      pump(controller.session, Direction::kAToB);
      pump(board.session, Direction::kBToA);
    });
  }

  void tick() {
    controller.session.tick(clock.now());
    board.tick();
    if (heartbeats_on && (++ticks % 10) == 0) {
      heartbeat(rf_permitted);
    }
  }
  void heartbeat(bool permitted) {
    const auto hb = encode({.kind = Kind::kHeartbeat, .epoch = epoch, .rf_permitted = permitted});
    (void)(permitted ? controller.session.send_unreliable(hb)
                     : controller.session.send_urgent(hb, Delivery::kUnreliable));
  }
  void pump(LinkSession& session, Direction direction) {
    if (channel.line_free_at(direction) > clock.now()) {
      return;
    }
    const std::size_t n = session.take_output(buffer, clock.now());
    if (n > 0) {
      channel.send(direction, std::span(buffer).first(n));
    }
  }
  SendResult send(const Message& m) { return controller.session.send_reliable(encode(m)); }
  // The generator driver's stop: rf_permitted = false with the new epoch, then the abort,
  // at once, ahead of everything (SR-38).
  void stop() {
    ++epoch;
    rf_permitted = false;
    heartbeat(false);
    EXPECT_EQ(controller.session.send_urgent(encode({.kind = Kind::kAbort, .epoch = epoch}),
                                             Delivery::kReliable),
              SendResult::kQueued);
  }
  Message pulse(std::uint64_t id, Duration valid_for = milliseconds(20)) const {
    return {.kind = Kind::kPulse,
            .id = id,
            .epoch = epoch,
            .expires_us = (clock.now() + valid_for).time_since_epoch().count()};
  }
  void permit_rf() {
    rf_permitted = true;
    heartbeat(true);
  }

  VirtualClock clock;
  FaultyByteChannel channel;
  Controller controller{clock};
  Board board{clock};
  std::array<std::uint8_t, kMaxWireBytes> buffer{};
  bool heartbeats_on = true;
  bool rf_permitted = false;
  std::uint32_t epoch = 0;
  std::uint64_t ticks = 0;
};

// Verifies: SR-33, SR-34
TEST(LinkOverChannel, EveryCommandRunsOnceInOrderOrTheLinkFaults) {
  constexpr std::uint64_t kCommands = 60;
  int completed = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    LinkUnderTest link(seed);
    std::mt19937_64 random(seed);
    auto rate = [&](double max) { return max * static_cast<double>(random() % 1000) / 1000.0; };
    for (Direction d : {Direction::kAToB, Direction::kBToA}) {
      link.channel.set_rates(d, LineFaultRates{.drop_byte = rate(0.001),
                                               .corrupt_byte = rate(0.001),
                                               .duplicate_chunk = rate(0.1),
                                               .reorder_chunk = rate(0.05)});
    }
    std::uint64_t next = 0;
    for (int ms = 0; ms < 2000 && !link.controller.session.faulted(); ++ms) {
      if (link.board.executed.size() == kCommands && link.controller.session.in_flight() == 0) {
        break;
      }
      while (next < kCommands && link.controller.session.queued_reliable() < 4) {
        ASSERT_EQ(link.send({.kind = Kind::kCommand, .id = next}), SendResult::kQueued);
        ++next;
      }
      link.clock.advance(milliseconds(1));
    }
    const auto& executed = link.board.executed;
    for (std::size_t i = 0; i < executed.size(); ++i) {
      ASSERT_EQ(executed[i], i) << "seed " << seed;
    }
    if (!link.controller.session.faulted()) {
      EXPECT_EQ(executed.size(), kCommands) << "seed " << seed;
      ++completed;
    }
  }
  EXPECT_GE(completed, 30);
}

// Verifies: SR-34
TEST(LinkOverChannel, ARetransmittedPulseCommandRunsOnce) {
  LinkUnderTest link;
  link.clock.advance(milliseconds(5));
  link.permit_rf();
  ASSERT_EQ(link.send(link.pulse(11)), SendResult::kQueued);
  // Every acknowledgement is lost for 12 ms: the controller retransmits twice.
  link.channel.script({Direction::kBToA, LineFault::kDrop, link.clock.now(), milliseconds(12)});
  link.clock.advance(milliseconds(30));
  EXPECT_EQ(link.board.pulses_run, (std::vector<std::uint64_t>{11}));
  EXPECT_GE(link.board.session.stats().duplicates_received, 2U);
  EXPECT_GE(link.controller.session.stats().retransmissions, 2U);
  EXPECT_FALSE(link.controller.session.faulted());
}

// Verifies: SR-36
TEST(LinkOverChannel, APulseCommandDelayedPastItsExpiryNeverRuns) {
  LinkUnderTest link;
  link.clock.advance(milliseconds(5));
  link.permit_rf();
  link.clock.advance(milliseconds(1));
  link.channel.script(
      {Direction::kAToB, LineFault::kDelay, link.clock.now(), milliseconds(1), milliseconds(4)});
  ASSERT_EQ(link.send(link.pulse(3, milliseconds(2))), SendResult::kQueued);
  link.clock.advance(milliseconds(30));
  EXPECT_TRUE(link.board.pulses_run.empty());
  ASSERT_FALSE(link.board.pulse_results.empty());
  EXPECT_EQ(link.board.pulse_results[0], GateResult::kExpired);
}

// Verifies: SR-35, SR-38
TEST(LinkOverChannel, TheUrgentAbortReachesTheGateAheadOfQueuedFramesAndVoidsTheQueuedPulse) {
  LinkUnderTest link;
  link.clock.advance(milliseconds(5));
  link.permit_rf();
  link.clock.advance(milliseconds(1));
  for (std::uint64_t i = 0; i < 10; ++i) {
    ASSERT_EQ(link.send({.kind = Kind::kCommand, .id = i}), SendResult::kQueued);
  }
  ASSERT_EQ(link.send(link.pulse(21)), SendResult::kQueued);
  link.stop();
  link.clock.advance(milliseconds(20));
  ASSERT_EQ(link.board.executed.size(), 11U);
  EXPECT_EQ(link.board.executed[0], Board::kAbortMarker);
  EXPECT_EQ(link.board.gate.epoch(), 1U);
  EXPECT_TRUE(link.board.pulses_run.empty());
  ASSERT_EQ(link.board.pulse_results.size(), 1U);
  EXPECT_EQ(link.board.pulse_results[0], GateResult::kOldEpoch);
}

// Verifies: SR-35, SR-38
TEST(LinkOverChannel, APulseCommandLostAndDueForRetransmissionWhenRfIsStoppedNeverRuns) {
  LinkUnderTest link;
  link.clock.advance(milliseconds(5));
  link.permit_rf();
  link.clock.advance(microseconds(500));
  // The pulse command's first transmission is lost.
  link.channel.script({Direction::kAToB, LineFault::kDrop, link.clock.now(), milliseconds(1)});
  ASSERT_EQ(link.send(link.pulse(7)), SendResult::kQueued);
  link.clock.advance(milliseconds(2));
  ASSERT_EQ(link.controller.session.in_flight(), 1U);
  // The stop comes on the tick that finds the pulse command due again, before the line is
  // next written: timers falling due together fire in the order they were set, and this
  // one is set after that tick's timer and before that write's.
  const Instant due = Instant(milliseconds(11));
  link.clock.advance_to(due - microseconds(500));
  link.clock.call_at(due, [&link] {
    ASSERT_EQ(link.controller.session.stats().retransmissions, 0U);
    ASSERT_TRUE(link.controller.session.has_output());
    link.stop();
  });
  link.clock.advance(milliseconds(20));
  EXPECT_GE(link.controller.session.stats().retransmissions, 1U);
  EXPECT_TRUE(link.board.pulses_run.empty());
  ASSERT_EQ(link.board.pulse_results.size(), 1U);
  EXPECT_EQ(link.board.pulse_results[0], GateResult::kOldEpoch);
  EXPECT_EQ(link.board.executed, (std::vector<std::uint64_t>{Board::kAbortMarker}));
  EXPECT_FALSE(link.controller.session.faulted());
}

// Verifies: SR-37, SR-38
TEST(LinkOverChannel, RfPermittedFalseIsHonouredWhenEveryOtherFrameIsLost) {
  LinkUnderTest link;
  link.clock.advance(milliseconds(5));
  link.permit_rf();
  ASSERT_EQ(link.send(link.pulse(1)), SendResult::kQueued);
  link.clock.advance(milliseconds(5));
  ASSERT_TRUE(link.board.rf_on);
  // The abort, its retransmissions and the next two heartbeats are lost; the link faults
  // (no ack for 20 ms) and the heartbeats, unreliable, keep going regardless.
  const Instant stop_at = link.clock.now();
  link.channel.script({Direction::kAToB, LineFault::kDrop, stop_at, milliseconds(25)});
  link.stop();
  link.clock.advance(milliseconds(40));
  EXPECT_TRUE(link.controller.session.faulted());
  EXPECT_FALSE(link.board.rf_on);
  ASSERT_TRUE(link.board.rf_off_at.has_value());
  EXPECT_GE(*link.board.rf_off_at, stop_at + milliseconds(25));
  EXPECT_LT(*link.board.rf_off_at, stop_at + milliseconds(32));
  EXPECT_FALSE(link.board.dead_man_at.has_value());
}

// Verifies: SR-39
TEST(LinkOverChannel, TheBoardDeadManTripsAt50msNotAt49msWhenEveryFrameIsLost) {
  LinkUnderTest link;
  link.clock.advance(milliseconds(5));
  link.permit_rf();
  ASSERT_EQ(link.send(link.pulse(1, milliseconds(20))), SendResult::kQueued);
  link.clock.advance(milliseconds(3));
  ASSERT_TRUE(link.board.rf_on);
  link.channel.script(
      {Direction::kAToB, LineFault::kDisconnect, link.clock.now(), milliseconds(500)});
  const Instant last_valid = link.board.session.last_valid_frame();
  link.clock.advance_to(last_valid + milliseconds(49) + microseconds(999));
  EXPECT_TRUE(link.board.rf_on);
  EXPECT_FALSE(link.board.dead_man_at.has_value());
  link.clock.advance(milliseconds(1));
  ASSERT_TRUE(link.board.dead_man_at.has_value());
  EXPECT_GE(*link.board.dead_man_at - last_valid, milliseconds(50));
  EXPECT_LE(*link.board.dead_man_at - last_valid, milliseconds(51));
  EXPECT_FALSE(link.board.rf_on);
  EXPECT_TRUE(link.board.gate.dead_man_latched());
}

// Verifies: SR-42
TEST(LinkOverChannel, ANewSessionNonceResetsTheBoardsDuplicateMemory) {
  LinkUnderTest link;
  link.clock.advance(milliseconds(5));
  link.permit_rf();
  ASSERT_EQ(link.send(link.pulse(5)), SendResult::kQueued);
  link.clock.advance(milliseconds(5));
  ASSERT_EQ(link.board.pulses_run, (std::vector<std::uint64_t>{5}));

  // The same nonce again: still one session, pulse 5 is a duplicate.
  ASSERT_EQ(link.controller.session.send_unreliable(encode({.kind = Kind::kHandshake, .id = 1})),
            SendResult::kQueued);
  ASSERT_EQ(link.send(link.pulse(5)), SendResult::kQueued);
  link.clock.advance(milliseconds(5));
  EXPECT_EQ(link.board.pulse_results.back(), GateResult::kDuplicatePulseId);

  // A new nonce: both sessions start again and the board forgets pulse 5.
  link.controller.session.reset(2, link.clock.now());
  ASSERT_EQ(link.controller.session.send_unreliable(encode({.kind = Kind::kHandshake, .id = 2})),
            SendResult::kQueued);
  link.clock.advance(milliseconds(5));
  EXPECT_EQ(link.board.session.nonce(), 2U);
  link.permit_rf();
  ASSERT_EQ(link.send(link.pulse(5)), SendResult::kQueued);
  link.clock.advance(milliseconds(5));
  EXPECT_EQ(link.board.pulses_run, (std::vector<std::uint64_t>{5, 5}));
}

}  // namespace
}  // namespace rfneedle::hal
