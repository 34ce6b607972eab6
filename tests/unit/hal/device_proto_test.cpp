// proto/device.proto against its documented ranges: every field documents its range, and
// every message filled with its longest in-range values fits its frame (SR-43).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hal/device_proto_hash.h"
#include "hal/frame.h"
#include "proto/device.pb.h"
#include "tests/unit/hal/device_limits.h"

namespace rfneedle::hal {
namespace {

using testing::fill_with_longest_values;

// Header values do not change the size: below 254 bytes COBS adds exactly one byte.
std::size_t wire_size(const google::protobuf::Message& envelope) {
  std::vector<std::uint8_t> payload(envelope.ByteSizeLong());
  EXPECT_TRUE(envelope.SerializeToArray(payload.data(), static_cast<int>(payload.size())));
  std::vector<std::uint8_t> wire(kMaxWireBytes);
  return encode_frame({.flags = 0xFF, .seq = 0xFFFF, .ack = 0xFFFF}, payload, wire);
}

TEST(DeviceProto, EveryFieldOfEveryEnvelopeDocumentsItsRange) {
  for (const auto* envelope :
       {device::GeneratorCommand::descriptor(), device::GeneratorMessage::descriptor(),
        device::ActuatorCommand::descriptor(), device::ActuatorMessage::descriptor()}) {
    EXPECT_EQ(testing::undocumented_fields(*envelope), std::vector<std::string>{})
        << envelope->name();
  }
}

// Verifies: SR-43
TEST(DeviceProto, GeneratorTelemetryAtItsRangeMaximaFits64WireBytes) {
  device::GeneratorMessage message;
  fill_with_longest_values(*message.mutable_telemetry());
  EXPECT_LE(message.ByteSizeLong(), kMaxPulsePayloadBytes);
  EXPECT_LE(wire_size(message), kPulseWireLimit);
}

// Verifies: SR-43
TEST(DeviceProto, ActuatorTelemetryAtItsRangeMaximaFits64WireBytes) {
  device::ActuatorMessage message;
  fill_with_longest_values(*message.mutable_telemetry());
  EXPECT_LE(message.ByteSizeLong(), kMaxPulsePayloadBytes);
  EXPECT_LE(wire_size(message), kPulseWireLimit);
}

// The filling really is the longest: one more unit on any field would leave its range,
// so check a sample against hand-computed sizes (tag + value bytes).
TEST(DeviceProto, LongestGeneratorTelemetryIsFiftyBytes) {
  device::GeneratorTelemetry telemetry;
  fill_with_longest_values(telemetry);
  EXPECT_EQ(telemetry.sample_counter(), 4294967295u);
  EXPECT_EQ(telemetry.board_time_us(), (std::uint64_t{1} << 49) - 1);
  EXPECT_EQ(telemetry.heatsink_mdegc(), 150000);
  EXPECT_EQ(telemetry.latched_faults(), 0xFFFFFFFEu);
  // 5 + 8 + 2 + 4 + 4 + 3 + 4 + 5 + 4 + 5 + 6
  EXPECT_EQ(telemetry.ByteSizeLong(), 50u);
}

TEST(DeviceProto, LongestActuatorTelemetryPicksTheLongerEndOfSignedRanges) {
  device::ActuatorTelemetry telemetry;
  fill_with_longest_values(telemetry);
  // zigzag(10 000) = 20 000 is longer than zigzag(-2 000) = 3 999.
  EXPECT_EQ(telemetry.encoder_position_um(), 10000);
  EXPECT_EQ(telemetry.skin_temp_a_mdegc(), 150000);
  EXPECT_EQ(telemetry.signals(), 255u);
}

// Verifies: SR-43
TEST(DeviceProto, NoTelemetryFieldCanBeEncodedLongerThanItsMaximum) {
  // Booleans and enums are bits in `signals`; a longer encoding would need a value
  // outside a documented range, which the sender must not emit.
  for (const auto* telemetry :
       {device::GeneratorTelemetry::descriptor(), device::ActuatorTelemetry::descriptor()}) {
    for (int i = 0; i < telemetry->field_count(); ++i) {
      const auto* field = telemetry->field(i);
      EXPECT_FALSE(field->is_repeated()) << field->full_name();
      EXPECT_NE(field->cpp_type(), google::protobuf::FieldDescriptor::CPPTYPE_STRING)
          << field->full_name();
      EXPECT_NE(field->cpp_type(), google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE)
          << field->full_name();
    }
  }
}

TEST(DeviceProto, TheLongestMessageOfEachEnvelopeFitsKMaxPayloadBytes) {
  device::GeneratorCommand generator_command;
  device::GeneratorMessage generator_message;
  device::ActuatorCommand actuator_command;
  device::ActuatorMessage actuator_message;
  for (google::protobuf::Message* envelope :
       {static_cast<google::protobuf::Message*>(&generator_command),
        static_cast<google::protobuf::Message*>(&generator_message),
        static_cast<google::protobuf::Message*>(&actuator_command),
        static_cast<google::protobuf::Message*>(&actuator_message)}) {
    fill_with_longest_values(*envelope);
    EXPECT_LE(envelope->ByteSizeLong(), kMaxPayloadBytes) << envelope->GetTypeName();
    EXPECT_GT(wire_size(*envelope), 0u) << envelope->GetTypeName();
  }
}

// Each member of each envelope's oneof, alone and at its longest, fits the payload.
TEST(DeviceProto, EveryEnvelopeBodyAtItsLongestFitsKMaxPayloadBytes) {
  for (const auto* type :
       {device::GeneratorCommand::descriptor(), device::GeneratorMessage::descriptor(),
        device::ActuatorCommand::descriptor(), device::ActuatorMessage::descriptor()}) {
    const auto* body = type->FindOneofByName("body");
    ASSERT_NE(body, nullptr) << type->name();
    for (int i = 0; i < body->field_count(); ++i) {
      const auto* prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
      std::unique_ptr<google::protobuf::Message> envelope(prototype->New());
      fill_with_longest_values(
          *envelope->GetReflection()->MutableMessage(envelope.get(), body->field(i)));
      EXPECT_LE(envelope->ByteSizeLong(), kMaxPayloadBytes) << body->field(i)->full_name();
    }
  }
}

TEST(DeviceProto, ZeroIsNeverAValidResultFaultOrBoardKind) {
  EXPECT_EQ(device::RESULT_UNSPECIFIED, 0);
  EXPECT_EQ(device::FAULT_UNSPECIFIED, 0);
  EXPECT_EQ(device::BOARD_KIND_UNSPECIFIED, 0);
  EXPECT_NE(device::RESULT_OK, 0);
}

// Fault codes double as bit positions of the 32-bit latched_faults.
TEST(DeviceProto, EveryFaultCodeIsABitOfLatchedFaults) {
  const auto* faults = device::FaultCode_descriptor();
  for (int i = 0; i < faults->value_count(); ++i) {
    EXPECT_LT(faults->value(i)->number(), 32) << faults->value(i)->name();
  }
}

TEST(DeviceProto, HashConstantIsGenerated) { EXPECT_NE(kDeviceProtoHash, 0u); }

}  // namespace
}  // namespace rfneedle::hal
