// GeneratorDriver and ActuatorDriver against a board-side LinkSession that speaks
// device.proto, joined by a perfect instant line.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hal/actuator_driver.h"
#include "hal/device_proto_hash.h"
#include "hal/generator_driver.h"
#include "hal/link_session.h"
#include "tests/support/faulty_byte_channel.h"
#include "tests/support/virtual_clock.h"

namespace rfneedle::hal {
namespace {

Instant at_ms(std::int64_t ms) { return Instant(milliseconds(ms)); }

struct GeneratorRecorder final : GeneratorObserver {
  void on_generator_telemetry(const device::GeneratorTelemetry& t, std::uint32_t missed) override {
    samples.push_back(t.sample_counter());
    samples_missed += missed;
  }
  void on_generator_result(const device::CommandResult& r) override { results.push_back(r); }
  void on_generator_event(const device::BoardEvent& e) override { events.push_back(e); }
  void on_pulse_ended(const device::PulseLogEntry& e) override { pulses_ended.push_back(e); }
  void on_generator_handshake(const device::HandshakeReply& reply,
                              HandshakeMismatch mismatch) override {
    handshakes.push_back(reply);
    mismatches.push_back(mismatch);
  }
  void on_generator_link_fault(LinkFault f) override { faults.push_back(f); }

  std::vector<std::uint32_t> samples;
  std::uint32_t samples_missed = 0;
  std::vector<device::CommandResult> results;
  std::vector<device::BoardEvent> events;
  std::vector<device::PulseLogEntry> pulses_ended;
  std::vector<device::HandshakeReply> handshakes;
  std::vector<HandshakeMismatch> mismatches;
  std::vector<LinkFault> faults;
};

struct ActuatorRecorder final : ActuatorObserver {
  void on_actuator_telemetry(const device::ActuatorTelemetry& t, std::uint32_t missed) override {
    samples.push_back(t.sample_counter());
    samples_missed += missed;
  }
  void on_actuator_result(const device::CommandResult& r) override { results.push_back(r); }
  void on_actuator_event(const device::BoardEvent& e) override { events.push_back(e); }
  void on_actuator_handshake(const device::HandshakeReply&, HandshakeMismatch m) override {
    mismatches.push_back(m);
  }
  void on_actuator_link_fault(LinkFault f) override { faults.push_back(f); }
  std::vector<std::uint32_t> samples;
  std::uint32_t samples_missed = 0;
  std::vector<device::CommandResult> results;
  std::vector<device::BoardEvent> events;
  std::vector<HandshakeMismatch> mismatches;
  std::vector<LinkFault> faults;
};

// What the fake boards report, and the policy the tests' drivers accept it with.
constexpr const char* kFirmwareVersion = "1.0.0";
HandshakePolicy accepting_the_fake_boards() {
  return {.accepted_firmware_versions = {"0.9.3", kFirmwareVersion}, .allow_simulated = false};
}

// The board end: records the commands it receives and answers the handshake as told.
template <typename Command, typename Message>
struct FakeBoard final : LinkListener {
  explicit FakeBoard(device::BoardKind k) : kind(k) {}

  void on_payload(const ReceivedPayload& p) override {
    Command command;
    ASSERT_TRUE(command.ParseFromArray(p.bytes.data(), static_cast<int>(p.bytes.size())));
    arrival_order.push_back(static_cast<int>(command.body_case()));
    if (command.has_heartbeat()) {
      heartbeats.push_back(command.heartbeat());
      return;
    }
    received.push_back(command);
    if (command.has_handshake()) {
      nonce = command.handshake().session_nonce();
      session.reset(nonce, Instant{});
      Message reply;
      device::HandshakeReply* h = reply.mutable_handshake();
      h->set_protocol_version(protocol_version);
      h->set_proto_hash(proto_hash);
      h->set_board_kind(kind);
      h->set_session_nonce(nonce);
      h->set_firmware_version(firmware_version);
      h->set_simulated(simulated);
      h->set_max_voltage_mv(max_voltage_mv);
      send(reply, Delivery::kUnreliable);
    }
  }
  void on_link_fault(LinkFault) override {}

  void send(const Message& m, Delivery delivery) {
    std::string bytes = m.SerializeAsString();
    const std::span<const std::uint8_t> payload(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                                bytes.size());
    ASSERT_EQ(delivery == Delivery::kReliable ? session.send_reliable(payload)
                                              : session.send_unreliable(payload),
              SendResult::kQueued);
  }

  device::BoardKind kind;
  std::uint32_t protocol_version = kProtocolVersion;
  std::uint64_t proto_hash = kDeviceProtoHash;
  std::string firmware_version = kFirmwareVersion;
  bool simulated = false;
  // The generator reports its output voltage limit; the actuator has none (0).
  std::uint32_t max_voltage_mv = kind == device::BOARD_KIND_GENERATOR ? 120'000 : 0;
  std::uint64_t nonce = 0;
  LinkSession session{LinkConfig{.dead_link_after = Duration::zero()}, *this, Instant{}};
  std::vector<Command> received;
  std::vector<device::Heartbeat> heartbeats;
  std::vector<int> arrival_order;  // body cases, heartbeats included
};

using FakeGenerator = FakeBoard<device::GeneratorCommand, device::GeneratorMessage>;
using FakeActuator = FakeBoard<device::ActuatorCommand, device::ActuatorMessage>;

template <typename Driver, typename Board>
void exchange(Driver& driver, Board& board, Instant now) {
  std::array<std::uint8_t, 4096> buffer{};
  for (int round = 0; round < 3; ++round) {
    std::size_t n = driver.take_output(buffer, now);
    board.session.on_bytes(std::span(buffer).first(n), now);
    n = board.session.take_output(buffer, now);
    driver.on_bytes(std::span(buffer).first(n), now);
  }
}

struct GeneratorLink {
  GeneratorRecorder observer;
  GeneratorDriver driver{observer, Instant{}};
  FakeGenerator board{device::BOARD_KIND_GENERATOR};
  HandshakePolicy policy = accepting_the_fake_boards();

  void connect(std::uint64_t nonce = 77) {
    driver.set_handshake_policy(policy);
    driver.start_session(nonce, at_ms(0));
    exchange(driver, board, at_ms(0));
  }
  void exchange_at(std::int64_t ms) {
    driver.tick(at_ms(ms));
    exchange(driver, board, at_ms(ms));
  }
};

struct ActuatorLink {
  explicit ActuatorLink(device::BoardKind kind_on_port = device::BOARD_KIND_ACTUATOR)
      : board(kind_on_port) {}
  ActuatorRecorder observer;
  ActuatorDriver driver{observer, Instant{}};
  FakeActuator board;

  void connect() {
    driver.set_handshake_policy(accepting_the_fake_boards());
    driver.start_session(3, at_ms(0));
    exchange(driver, board, at_ms(0));
  }
  void exchange_at(std::int64_t ms) {
    driver.tick(at_ms(ms));
    exchange(driver, board, at_ms(ms));
  }
};

PulseCommand pulse(std::uint64_t id) {
  return {.pulse_id = id,
          .power = watts(10),
          .duration = milliseconds(100),
          .energy_cap = millijoules(1100),
          .epoch = 3,
          .expires_at_board_us = 123'456};
}

TEST(GeneratorDriver, RefusesCommandsBeforeTheHandshake) {
  GeneratorLink link;
  const CommandSubmission s = link.driver.query_counters();
  EXPECT_FALSE(s.accepted());
  EXPECT_EQ(s.error, DriverError::kNoSession);
}

// Verifies: SR-41
TEST(GeneratorDriver, EstablishesTheSessionWhenTheReplyMatchesTheBuildAndThePolicy) {
  GeneratorLink link;
  link.connect(77);
  EXPECT_EQ(link.board.nonce, 77U);
  EXPECT_EQ(link.driver.handshake_state(), HandshakeState::kEstablished);
  ASSERT_EQ(link.observer.mismatches.size(), 1U);
  EXPECT_EQ(link.observer.mismatches[0], HandshakeMismatch::kNone);
  EXPECT_EQ(link.observer.handshakes[0].firmware_version(), "1.0.0");
}

// Verifies: SR-41
TEST(GeneratorDriver, AProtoHashMismatchIsReportedAndTreatmentCommandsAreRefused) {
  GeneratorLink link;
  link.board.proto_hash = kDeviceProtoHash ^ 1;
  link.connect();
  EXPECT_EQ(link.driver.handshake_state(), HandshakeState::kMismatch);
  ASSERT_EQ(link.observer.mismatches.size(), 1U);
  EXPECT_EQ(link.observer.mismatches[0], HandshakeMismatch::kProtoHash);
  EXPECT_EQ(name(link.driver.handshake_mismatch()), "device.proto hash differs");

  const CommandSubmission pulse_refused = link.driver.deliver_pulse(pulse(1));
  EXPECT_FALSE(pulse_refused.accepted());
  EXPECT_EQ(pulse_refused.error, DriverError::kHandshakeMismatch);
  EXPECT_EQ(link.driver.configure({}).error, DriverError::kHandshakeMismatch);
  EXPECT_EQ(link.driver.set_relay(true).error, DriverError::kHandshakeMismatch);
  // Diagnostics and making safe still work: connected, never armed.
  EXPECT_TRUE(link.driver.query_counters().accepted());
  EXPECT_TRUE(link.driver.set_relay(false).accepted());
}

// Verifies: SR-41
TEST(GeneratorDriver, AProtocolVersionMismatchNamesTheVersion) {
  GeneratorLink link;
  link.board.protocol_version = kProtocolVersion + 1;
  link.connect();
  EXPECT_EQ(link.driver.handshake_mismatch(), HandshakeMismatch::kProtocolVersion);
  EXPECT_EQ(link.driver.deliver_pulse(pulse(1)).error, DriverError::kHandshakeMismatch);
}

// Verifies: SR-41
TEST(GeneratorDriver, AFirmwareVersionNotAcceptedIsAMismatchAndRefusesTreatment) {
  GeneratorLink link;
  link.board.firmware_version = "1.0.1";
  link.connect();
  EXPECT_EQ(link.driver.handshake_state(), HandshakeState::kMismatch);
  ASSERT_EQ(link.observer.mismatches.size(), 1U);
  EXPECT_EQ(link.observer.mismatches[0], HandshakeMismatch::kFirmwareVersion);
  EXPECT_EQ(link.driver.deliver_pulse(pulse(1)).error, DriverError::kHandshakeMismatch);
  EXPECT_EQ(link.driver.set_relay(true).error, DriverError::kHandshakeMismatch);
  EXPECT_TRUE(link.driver.set_relay(false).accepted());
}

// Verifies: SR-41
TEST(GeneratorDriver, AcceptsEachConfiguredFirmwareVersion) {
  for (const char* version : {"0.9.3", kFirmwareVersion}) {
    GeneratorLink link;
    link.board.firmware_version = version;
    link.connect();
    EXPECT_EQ(link.driver.handshake_state(), HandshakeState::kEstablished) << version;
  }
}

// Verifies: SR-41
TEST(GeneratorDriver, WithoutAConfiguredPolicyNoBoardIsAccepted) {
  GeneratorRecorder observer;
  GeneratorDriver driver(observer, Instant{});
  FakeGenerator board(device::BOARD_KIND_GENERATOR);
  driver.start_session(8, at_ms(0));
  exchange(driver, board, at_ms(0));
  EXPECT_EQ(driver.handshake_state(), HandshakeState::kMismatch);
  EXPECT_EQ(driver.handshake_mismatch(), HandshakeMismatch::kFirmwareVersion);
  EXPECT_EQ(driver.deliver_pulse(pulse(1)).error, DriverError::kHandshakeMismatch);
}

// Verifies: SR-41
TEST(GeneratorDriver, ASimulatedBoardIsAMismatchUnlessTheConfigurationAllowsIt) {
  GeneratorLink refused;
  refused.board.simulated = true;
  refused.connect();
  EXPECT_EQ(refused.driver.handshake_mismatch(), HandshakeMismatch::kSimulated);
  EXPECT_EQ(refused.driver.configure({}).error, DriverError::kHandshakeMismatch);

  GeneratorLink allowed;
  allowed.board.simulated = true;
  allowed.policy.allow_simulated = true;
  allowed.connect();
  EXPECT_EQ(allowed.driver.handshake_state(), HandshakeState::kEstablished);
}

// Verifies: SR-41, SR-57
TEST(GeneratorDriver, AVoltageLimitMissingOrOutside1To400VIsAMismatch) {
  for (const std::uint32_t mv : {0U, 999U, 400'001U}) {
    GeneratorLink link;
    link.board.max_voltage_mv = mv;
    link.connect();
    EXPECT_EQ(link.driver.handshake_mismatch(), HandshakeMismatch::kVoltageLimit) << mv;
    EXPECT_EQ(link.driver.deliver_pulse(pulse(1)).error, DriverError::kHandshakeMismatch) << mv;
  }
  for (const std::uint32_t mv : {1'000U, 400'000U}) {
    GeneratorLink link;
    link.board.max_voltage_mv = mv;
    link.connect();
    EXPECT_EQ(link.driver.handshake_state(), HandshakeState::kEstablished) << mv;
    ASSERT_EQ(link.observer.handshakes.size(), 1U);
    EXPECT_EQ(link.observer.handshakes[0].max_voltage_mv(), mv);
  }
}

// Verifies: SR-41
TEST(ActuatorDriver, NeedsNoVoltageLimitButTheSameFirmwareAndSimulatedChecks) {
  ActuatorLink plain;
  ASSERT_EQ(plain.board.max_voltage_mv, 0U);
  plain.connect();
  EXPECT_EQ(plain.driver.handshake_state(), HandshakeState::kEstablished);

  ActuatorLink other_firmware;
  other_firmware.board.firmware_version = "2.0.0";
  other_firmware.connect();
  EXPECT_EQ(other_firmware.driver.handshake_mismatch(), HandshakeMismatch::kFirmwareVersion);
  EXPECT_EQ(other_firmware.driver.insert(micrometres(1500)).error, DriverError::kHandshakeMismatch);

  ActuatorLink simulated;
  simulated.board.simulated = true;
  simulated.connect();
  EXPECT_EQ(simulated.driver.handshake_mismatch(), HandshakeMismatch::kSimulated);
}

TEST(HandshakeMismatch, EachMismatchHasItsOwnShortReason) {
  std::vector<std::string_view> reasons;
  for (auto m : {HandshakeMismatch::kProtocolVersion, HandshakeMismatch::kProtoHash,
                 HandshakeMismatch::kBoardKind, HandshakeMismatch::kFirmwareVersion,
                 HandshakeMismatch::kSimulated, HandshakeMismatch::kVoltageLimit}) {
    const std::string_view reason = name(m);
    EXPECT_NE(reason, name(HandshakeMismatch::kNone));
    EXPECT_NE(reason, "unknown");
    EXPECT_EQ(std::count(reasons.begin(), reasons.end(), reason), 0) << reason;
    reasons.push_back(reason);
  }
}

TEST(GeneratorDriver, IgnoresAHandshakeReplyOfAnotherSession) {
  GeneratorLink link;
  link.driver.start_session(5, at_ms(0));
  device::GeneratorMessage stale;
  stale.mutable_handshake()->set_session_nonce(4);
  stale.mutable_handshake()->set_protocol_version(kProtocolVersion);
  stale.mutable_handshake()->set_proto_hash(kDeviceProtoHash);
  stale.mutable_handshake()->set_board_kind(device::BOARD_KIND_GENERATOR);
  link.board.send(stale, Delivery::kUnreliable);
  std::array<std::uint8_t, 512> buffer{};
  const std::size_t n = link.board.session.take_output(buffer, at_ms(0));
  link.driver.on_bytes(std::span(buffer).first(n), at_ms(0));
  EXPECT_EQ(link.driver.handshake_state(), HandshakeState::kWaiting);
  EXPECT_TRUE(link.observer.handshakes.empty());
}

TEST(GeneratorDriver, SendsEachPulseWithItsFieldsAndANewCommandId) {
  GeneratorLink link;
  link.connect();
  const CommandSubmission first = link.driver.deliver_pulse(pulse(41));
  const CommandSubmission second = link.driver.deliver_pulse(pulse(42));
  ASSERT_TRUE(first.accepted());
  EXPECT_EQ(second.command_id, first.command_id + 1);
  link.exchange_at(1);
  ASSERT_GE(link.board.received.size(), 3U);
  const device::GeneratorCommand& sent = link.board.received[1];
  ASSERT_TRUE(sent.has_deliver_pulse());
  EXPECT_EQ(sent.command_id(), first.command_id);
  EXPECT_EQ(sent.deliver_pulse().pulse_id(), 41U);
  EXPECT_EQ(sent.deliver_pulse().power_mw(), 10'000U);
  EXPECT_EQ(sent.deliver_pulse().duration_ms(), 100U);
  EXPECT_EQ(sent.deliver_pulse().energy_cap_uj(), 1'100'000U);
  EXPECT_EQ(sent.deliver_pulse().epoch(), 3U);
  EXPECT_EQ(sent.deliver_pulse().expires_at_board_us(), 123'456U);
}

// Verifies: SR-38
TEST(GeneratorDriver, StopRfSendsTheAbortAndAnRfOffHeartbeatAheadOfQueuedCommands) {
  GeneratorLink link;
  link.connect();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(link.driver.query_counters().accepted());
  }
  link.driver.stop_rf(9);
  link.exchange_at(1);
  ASSERT_GE(link.board.received.size(), 6U);
  ASSERT_TRUE(link.board.received[1].has_abort());
  EXPECT_EQ(link.board.received[1].abort().epoch(), 9U);
  EXPECT_TRUE(link.board.received[2].has_counters_query());
  ASSERT_FALSE(link.board.heartbeats.empty());
  EXPECT_FALSE(link.board.heartbeats.front().rf_permitted());
  EXPECT_EQ(link.board.heartbeats.front().epoch(), 9U);
}

// The generator driver and a board over the faulty byte channel at the line rate, with a
// tap recording every controller frame that reaches the board, in arrival order (frames
// the board's session then drops as out of order included).
struct GeneratorOverChannel {
  GeneratorOverChannel() {
    channel.set_receiver(testing::Direction::kAToB, [this](std::span<const std::uint8_t> bytes) {
      for (std::uint8_t byte : bytes) {
        if (tap.push(byte) != DecodeStatus::kFrame) {
          continue;
        }
        device::GeneratorCommand command;
        EXPECT_TRUE(
            command.ParseFromArray(tap.payload().data(), static_cast<int>(tap.payload().size())));
        on_wire.push_back(command);
      }
      board.session.on_bytes(bytes, clock.now());
    });
    channel.set_receiver(testing::Direction::kBToA, [this](std::span<const std::uint8_t> bytes) {
      driver.on_bytes(bytes, clock.now());
    });
  }
  void write_output() {
    std::array<std::uint8_t, 1024> buffer{};
    std::size_t n = driver.take_output(buffer, clock.now());
    channel.send(testing::Direction::kAToB, std::span(buffer).first(n));
    n = board.session.take_output(buffer, clock.now());
    channel.send(testing::Direction::kBToA, std::span(buffer).first(n));
  }
  // One millisecond: both ends tick, write what they have, and the line carries it.
  void step() {
    driver.tick(clock.now());
    board.session.tick(clock.now());
    write_output();
    clock.advance(milliseconds(1));
  }

  testing::VirtualClock clock;
  testing::FaultyByteChannel channel{clock, {.seed = 1}};
  GeneratorRecorder observer;
  GeneratorDriver driver{observer, clock.now()};
  FakeGenerator board{device::BOARD_KIND_GENERATOR};
  FrameDecoder tap;
  std::vector<device::GeneratorCommand> on_wire;
};

// Verifies: SR-35, SR-38
TEST(GeneratorDriver, StopRfPutsTheRfOffHeartbeatThenTheAbortOnTheWireAheadOfADueRetransmission) {
  GeneratorOverChannel link;
  link.driver.set_handshake_policy(accepting_the_fake_boards());
  link.driver.start_session(5, link.clock.now());
  for (int i = 0; i < 3; ++i) {
    link.step();
  }
  ASSERT_EQ(link.driver.handshake_state(), HandshakeState::kEstablished);
  link.driver.send_heartbeat(true, 3);
  // The pulse command's first transmission is lost on the line.
  link.channel.script(
      {testing::Direction::kAToB, testing::LineFault::kDrop, link.clock.now(), milliseconds(1)});
  ASSERT_TRUE(link.driver.deliver_pulse(pulse(41)).accepted());
  link.step();
  for (int i = 0; i < 4; ++i) {
    link.step();
  }
  // 5 ms after it was written the pulse command is due again: the stop comes now.
  link.driver.tick(link.clock.now());
  ASSERT_EQ(link.driver.link_stats().retransmissions, 0U);
  link.on_wire.clear();
  link.driver.stop_rf(9);
  link.write_output();
  link.clock.advance(milliseconds(5));

  const auto& wire = link.on_wire;
  ASSERT_GE(wire.size(), 3U);
  ASSERT_TRUE(wire[0].has_heartbeat());
  EXPECT_FALSE(wire[0].heartbeat().rf_permitted());
  EXPECT_EQ(wire[0].heartbeat().epoch(), 9U);
  ASSERT_TRUE(wire[1].has_abort());
  EXPECT_EQ(wire[1].abort().epoch(), 9U);
  std::size_t resent_at = 0;
  while (resent_at < wire.size() && !wire[resent_at].has_deliver_pulse()) {
    ++resent_at;
  }
  ASSERT_LT(resent_at, wire.size()) << "the lost pulse command is retransmitted";
  EXPECT_GT(resent_at, 1U);
  // The board runs commands in sequence order: the pulse command, then the abort, both
  // within this one burst (go-back-N writes the abort again after the retransmission).
  ASSERT_GE(link.board.received.size(), 3U);
  const auto& received = link.board.received;
  EXPECT_TRUE(received[received.size() - 2].has_deliver_pulse());
  EXPECT_TRUE(received.back().has_abort());
}

// Verifies: SR-38
TEST(GeneratorDriver, SendsOneHeartbeatPerCallWithItsPermissionAndEpochAndNoneOfItsOwn) {
  GeneratorLink link;
  link.connect();
  // The core is the one producer: a driver left alone sends no heartbeat, so the
  // self-test can withhold them to see the board's dead-man trip.
  for (std::int64_t ms = 1; ms <= 60; ++ms) {
    link.exchange_at(ms);
  }
  EXPECT_TRUE(link.board.heartbeats.empty());
  link.driver.send_heartbeat(true, 4);
  link.exchange_at(61);
  ASSERT_EQ(link.board.heartbeats.size(), 1U);
  EXPECT_TRUE(link.board.heartbeats[0].rf_permitted());
  EXPECT_EQ(link.board.heartbeats[0].epoch(), 4U);
  link.driver.send_heartbeat(false, 4);
  link.exchange_at(62);
  ASSERT_EQ(link.board.heartbeats.size(), 2U);
  EXPECT_FALSE(link.board.heartbeats[1].rf_permitted());
  EXPECT_EQ(link.board.heartbeats[1].epoch(), 4U);
}

// Verifies: SR-37, SR-38
TEST(GeneratorDriver, AnRfOffHeartbeatOvertakesAnRfOnHeartbeatAndACommandQueuedBeforeIt) {
  GeneratorLink link;
  link.connect();
  ASSERT_TRUE(link.driver.query_counters().accepted());
  link.driver.send_heartbeat(true, 1);
  link.driver.send_heartbeat(false, 1);
  link.exchange_at(1);
  EXPECT_EQ(link.board.arrival_order,
            (std::vector<int>{
                device::GeneratorCommand::kHandshake, device::GeneratorCommand::kHeartbeat,
                device::GeneratorCommand::kHeartbeat, device::GeneratorCommand::kCountersQuery}));
  ASSERT_EQ(link.board.heartbeats.size(), 2U);
  EXPECT_FALSE(link.board.heartbeats[0].rf_permitted());
  EXPECT_TRUE(link.board.heartbeats[1].rf_permitted());
}

TEST(GeneratorDriver, CountsTelemetryGapsAndReportsEachSample) {
  GeneratorLink link;
  link.connect();
  for (std::uint32_t counter : {10U, 11U, 15U}) {
    device::GeneratorMessage m;
    m.mutable_telemetry()->set_sample_counter(counter);
    link.board.send(m, Delivery::kUnreliable);
  }
  link.exchange_at(1);
  EXPECT_EQ(link.observer.samples, (std::vector<std::uint32_t>{10, 11, 15}));
  EXPECT_EQ(link.observer.samples_missed, 3U);
  EXPECT_EQ(link.driver.link_stats().telemetry_gaps, 3U);
}

// Verifies: SR-32
TEST(GeneratorDriver, CountsAnUnparsablePayloadAsAPayloadError) {
  GeneratorLink link;
  link.connect();
  const std::array<std::uint8_t, 3> garbage = {0xFF, 0xFF, 0xFF};
  ASSERT_EQ(link.board.session.send_unreliable(garbage), SendResult::kQueued);
  link.exchange_at(1);
  EXPECT_EQ(link.driver.link_stats().payload_errors, 1U);
  EXPECT_TRUE(link.observer.samples.empty());
}

TEST(GeneratorDriver, DeliversResultsEventsAndPulseLogEntries) {
  GeneratorLink link;
  link.connect();
  device::GeneratorMessage result;
  result.mutable_result()->set_command_id(1);
  result.mutable_result()->set_result(device::RESULT_EXPIRED);
  device::GeneratorMessage event;
  event.mutable_event()->set_kind(device::BOARD_EVENT_FAULT_LATCHED);
  event.mutable_event()->set_fault(device::FAULT_DEAD_MAN);
  device::GeneratorMessage ended;
  ended.mutable_pulse_ended()->set_pulse_id(41);
  for (const auto* m : {&result, &event, &ended}) {
    link.board.send(*m, Delivery::kReliable);
  }
  link.exchange_at(1);
  ASSERT_EQ(link.observer.results.size(), 1U);
  EXPECT_EQ(link.observer.results[0].result(), device::RESULT_EXPIRED);
  ASSERT_EQ(link.observer.events.size(), 1U);
  EXPECT_EQ(link.observer.events[0].fault(), device::FAULT_DEAD_MAN);
  ASSERT_EQ(link.observer.pulses_ended.size(), 1U);
  EXPECT_EQ(link.observer.pulses_ended[0].pulse_id(), 41U);
}

TEST(GeneratorDriver, ReportsALinkFaultWhenTheBoardFallsSilent) {
  GeneratorLink link;
  link.connect();
  for (std::int64_t ms = 1; ms <= 25; ++ms) {
    link.driver.tick(at_ms(ms));
  }
  ASSERT_EQ(link.observer.faults.size(), 1U);
  EXPECT_EQ(link.observer.faults[0], LinkFault::kSilence);
  EXPECT_EQ(link.driver.query_counters().error, DriverError::kLinkFaulted);
}

TEST(GeneratorDriver, RepeatsTheHandshakeEvery20msUntilAnswered) {
  GeneratorRecorder observer;
  GeneratorDriver driver(observer, Instant{});
  FakeGenerator board(device::BOARD_KIND_GENERATOR);
  driver.set_handshake_policy(accepting_the_fake_boards());
  driver.start_session(8, at_ms(0));
  std::array<std::uint8_t, 1024> buffer{};
  int handshakes = 0;
  for (std::int64_t ms = 0; ms <= 45; ++ms) {
    driver.tick(at_ms(ms));
    const std::size_t n = driver.take_output(buffer, at_ms(ms));
    board.received.clear();
    board.session.on_bytes(std::span(buffer).first(n), at_ms(ms));
    for (const auto& command : board.received) {
      handshakes += command.has_handshake() ? 1 : 0;
    }
    (void)board.session.take_output(buffer, at_ms(ms));  // the replies are lost
  }
  EXPECT_EQ(handshakes, 3);  // at 0, 20 and 40 ms
  EXPECT_EQ(driver.handshake_state(), HandshakeState::kWaiting);
}

// Verifies: SR-38
TEST(ActuatorDriver, StopRfSendsAnRfOffHeartbeatAheadOfQueuedCommands) {
  ActuatorLink link;
  link.connect();
  ASSERT_TRUE(link.driver.retract().accepted());
  link.driver.stop_rf(2);
  std::array<std::uint8_t, 1024> buffer{};
  const std::size_t n = link.driver.take_output(buffer, at_ms(1));
  link.board.session.on_bytes(std::span(buffer).first(n), at_ms(1));
  ASSERT_EQ(link.board.heartbeats.size(), 1U);
  EXPECT_FALSE(link.board.heartbeats[0].rf_permitted());
  EXPECT_EQ(link.board.heartbeats[0].epoch(), 2U);
  ASSERT_EQ(link.board.received.size(), 2U);
  EXPECT_TRUE(link.board.received[1].has_move_needle());
  // The handshake of the session, then the stop heartbeat, then the queued retraction.
  EXPECT_EQ(link.board.arrival_order, (std::vector<int>{device::ActuatorCommand::kHandshake,
                                                        device::ActuatorCommand::kHeartbeat,
                                                        device::ActuatorCommand::kMoveNeedle}));
}

// Verifies: SR-41
TEST(ActuatorDriver, AMismatchRefusesInsertionButStillRetracts) {
  ActuatorLink link(device::BOARD_KIND_GENERATOR);  // the wrong board on this port
  link.connect();
  ASSERT_EQ(link.observer.mismatches.size(), 1U);
  EXPECT_EQ(link.observer.mismatches[0], HandshakeMismatch::kBoardKind);
  EXPECT_EQ(link.driver.insert(micrometres(1500)).error, DriverError::kHandshakeMismatch);
  EXPECT_EQ(link.driver.configure({}).error, DriverError::kHandshakeMismatch);
  EXPECT_TRUE(link.driver.retract().accepted());
  EXPECT_TRUE(link.driver.home().accepted());
}

TEST(ActuatorDriver, SendsAnInsertionWithItsDepth) {
  ActuatorLink link;
  link.connect();
  ASSERT_EQ(link.driver.handshake_state(), HandshakeState::kEstablished);
  ASSERT_TRUE(link.driver.insert(micrometres(1500)).accepted());
  link.exchange_at(1);
  ASSERT_EQ(link.board.received.size(), 2U);
  ASSERT_TRUE(link.board.received[1].has_move_needle());
  EXPECT_EQ(link.board.received[1].move_needle().motion(), device::NEEDLE_MOTION_INSERT);
  EXPECT_EQ(link.board.received[1].move_needle().depth_um(), 1500U);
}

TEST(ActuatorDriver, ReportsTelemetryResultsEventsAndALinkFaultToTheActuatorObserver) {
  ActuatorLink link;
  link.connect();
  ASSERT_EQ(link.driver.handshake_state(), HandshakeState::kEstablished);
  device::ActuatorMessage telemetry;
  telemetry.mutable_telemetry()->set_sample_counter(7);
  link.board.send(telemetry, Delivery::kUnreliable);
  telemetry.mutable_telemetry()->set_sample_counter(9);
  link.board.send(telemetry, Delivery::kUnreliable);
  device::ActuatorMessage result;
  result.mutable_result()->set_command_id(4);
  result.mutable_result()->set_result(device::RESULT_BUSY);
  link.board.send(result, Delivery::kReliable);
  device::ActuatorMessage event;
  event.mutable_event()->set_kind(device::BOARD_EVENT_FAULT_LATCHED);
  event.mutable_event()->set_fault(device::FAULT_MOTOR_STALL);
  link.board.send(event, Delivery::kReliable);
  link.exchange_at(1);
  EXPECT_EQ(link.observer.samples, (std::vector<std::uint32_t>{7, 9}));
  EXPECT_EQ(link.observer.samples_missed, 1U);
  ASSERT_EQ(link.observer.results.size(), 1U);
  EXPECT_EQ(link.observer.results[0].command_id(), 4U);
  EXPECT_EQ(link.observer.results[0].result(), device::RESULT_BUSY);
  ASSERT_EQ(link.observer.events.size(), 1U);
  EXPECT_EQ(link.observer.events[0].fault(), device::FAULT_MOTOR_STALL);
  EXPECT_TRUE(link.observer.faults.empty());
  for (std::int64_t ms = 2; ms <= 25; ++ms) {
    link.driver.tick(at_ms(ms));
  }
  ASSERT_EQ(link.observer.faults.size(), 1U);
  EXPECT_EQ(link.observer.faults[0], LinkFault::kSilence);
}

}  // namespace
}  // namespace rfneedle::hal
