// The worked example frames of docs/protocol.md, section "Worked examples": the hex there
// is these constants, and these tests hold the encoder and decoder to them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "hal/frame.h"
#include "proto/device.pb.h"

namespace rfneedle::hal {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr const char* kHeartbeatWire = "03 01 02 01 02 29 0B 1A 04 08 01 10 07 DA B6 D0 14 00";
constexpr const char* kTelemetryWire =
    "03 01 02 01 02 11 07 0A 25 0D 40 E2 01 25 10 C0 A8 9F D0 12 18 07 20 9C 4E 28 80 DE 02 30 "
    "DF 01 38 C9 01 40 AC A2 1F 48 C4 84 05 58 92 08 E5 CB 6D A4 00";
constexpr const char* kDeliverPulseWire =
    "04 01 03 11 20 31 01 08 BE 02 32 14 08 93 08 10 90 4E 18 64 20 E0 91 43 28 07 30 E0 C4 A0 "
    "D0 12 58 D4 1B F8 00";

std::string hex(const Bytes& bytes) {
  std::string text;
  for (const auto b : bytes) {
    char digits[4];
    std::snprintf(digits, sizeof digits, "%02X ", b);
    text += digits;
  }
  if (!text.empty()) {
    text.pop_back();
  }
  return text;
}

Bytes wire_of(const FrameHeader& header, const google::protobuf::Message& envelope) {
  Bytes payload(envelope.ByteSizeLong());
  EXPECT_TRUE(envelope.SerializeToArray(payload.data(), static_cast<int>(payload.size())));
  Bytes wire(kMaxWireBytes);
  wire.resize(encode_frame(header, payload, wire));
  return wire;
}

Bytes from_hex(const std::string& text) {
  Bytes bytes;
  for (std::size_t i = 0; i + 1 < text.size(); i += 3) {
    bytes.push_back(static_cast<std::uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

// Decodes one frame from `wire` and parses its payload into `envelope`.
bool decode_into(const std::string& wire, FrameHeader& header,
                 google::protobuf::Message& envelope) {
  FrameDecoder decoder;
  for (const auto byte : from_hex(wire)) {
    if (decoder.push(byte) == DecodeStatus::kFrame) {
      header = decoder.header();
      return envelope.ParseFromArray(decoder.payload().data(),
                                     static_cast<int>(decoder.payload().size()));
    }
  }
  return false;
}

TEST(ProtocolDoc, HeartbeatExampleIsWhatTheEncoderProduces) {
  device::GeneratorCommand command;
  command.mutable_heartbeat()->set_rf_permitted(true);
  command.mutable_heartbeat()->set_epoch(7);
  EXPECT_EQ(hex(wire_of({.flags = frame_flags::kAckValid, .seq = 0, .ack = 41}, command)),
            kHeartbeatWire);
}

device::GeneratorMessage example_telemetry() {
  device::GeneratorMessage message;
  auto& t = *message.mutable_telemetry();
  t.set_sample_counter(123456);
  t.set_board_time_us(5000123456);
  t.set_signals(device::GENERATOR_SIGNAL_RF_ACTIVE | device::GENERATOR_SIGNAL_RELAY_CLOSED |
                device::GENERATOR_SIGNAL_AT_DEPTH_LINE);
  t.set_power_mw(10012);
  t.set_voltage_mv(44800);
  t.set_current_ma(223);
  t.set_impedance_ohm(201);
  t.set_energy_uj(512300);
  t.set_heatsink_mdegc(41250);
  t.set_latched_faults(0);
  t.set_pulse_id(1042);
  return message;
}

TEST(ProtocolDoc, TelemetryExampleIsWhatTheEncoderProduces) {
  EXPECT_EQ(
      hex(wire_of({.flags = frame_flags::kAckValid, .seq = 0, .ack = 17}, example_telemetry())),
      kTelemetryWire);
}

device::GeneratorCommand example_deliver_pulse() {
  device::GeneratorCommand command;
  command.set_command_id(318);
  auto& pulse = *command.mutable_deliver_pulse();
  pulse.set_pulse_id(1043);
  pulse.set_power_mw(10000);
  pulse.set_duration_ms(100);
  pulse.set_energy_cap_uj(1100000);
  pulse.set_epoch(7);
  pulse.set_expires_at_board_us(5000143456);
  return command;
}

TEST(ProtocolDoc, DeliverPulseExampleIsWhatTheEncoderProduces) {
  EXPECT_EQ(
      hex(wire_of({.flags = frame_flags::kReliable | frame_flags::kAckValid, .seq = 17, .ack = 305},
                  example_deliver_pulse())),
      kDeliverPulseWire);
}

TEST(ProtocolDoc, ExamplesDecodeBackToTheirMessages) {
  FrameHeader header;
  device::GeneratorMessage telemetry;
  ASSERT_TRUE(decode_into(kTelemetryWire, header, telemetry));
  EXPECT_EQ(telemetry.SerializeAsString(), example_telemetry().SerializeAsString());
  EXPECT_EQ(header.ack, 17);

  device::GeneratorCommand pulse;
  ASSERT_TRUE(decode_into(kDeliverPulseWire, header, pulse));
  EXPECT_EQ(pulse.SerializeAsString(), example_deliver_pulse().SerializeAsString());
  EXPECT_EQ(header.seq, 17);
  EXPECT_EQ(header.ack, 305);
  EXPECT_EQ(header.flags, frame_flags::kReliable | frame_flags::kAckValid);
}

}  // namespace
}  // namespace rfneedle::hal
