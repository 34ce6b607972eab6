// Writes the seed corpus of fuzz_frame_decoder (run once, by hand, when device.proto or the
// framing changes; the files are committed): real frames of every envelope body at its
// longest, the worked examples, and damaged or garbage input.
//   make_frame_decoder_corpus tests/fuzz/hal/corpus/frame_decoder
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "hal/frame.h"
#include "proto/device.pb.h"
#include "tests/unit/hal/device_limits.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
using rfneedle::hal::FrameHeader;

Bytes frame(const FrameHeader& header, const google::protobuf::Message& envelope) {
  Bytes payload(envelope.ByteSizeLong());
  envelope.SerializeToArray(payload.data(), static_cast<int>(payload.size()));
  Bytes wire(rfneedle::hal::kMaxWireBytes);
  wire.resize(rfneedle::hal::encode_frame(header, payload, wire));
  return wire;
}

void write(const std::string& folder, const std::string& name, const Bytes& bytes) {
  std::ofstream out(folder + "/" + name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string folder = argv[1];
  const FrameHeader reliable{.flags = 0x03, .seq = 17, .ack = 305};
  Bytes all_frames;
  for (const auto* type : {rfneedle::device::GeneratorCommand::descriptor(),
                           rfneedle::device::GeneratorMessage::descriptor(),
                           rfneedle::device::ActuatorCommand::descriptor(),
                           rfneedle::device::ActuatorMessage::descriptor()}) {
    const auto* body = type->FindOneofByName("body");
    const auto* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
    for (int i = 0; i < body->field_count(); ++i) {
      std::unique_ptr<google::protobuf::Message> envelope(prototype->New());
      rfneedle::testing::fill_with_longest_values(
          *envelope->GetReflection()->MutableMessage(envelope.get(), body->field(i)));
      const Bytes wire = frame(reliable, *envelope);
      write(folder, "frame_" + body->field(i)->full_name(), wire);
      all_frames = all_frames + wire;
    }
  }
  write(folder, "back_to_back", all_frames);

  rfneedle::device::GeneratorCommand heartbeat;
  heartbeat.mutable_heartbeat()->set_rf_permitted(true);
  heartbeat.mutable_heartbeat()->set_epoch(7);
  const Bytes good = frame({.flags = 0x02, .ack = 41}, heartbeat);
  Bytes corrupt = good;
  corrupt[9] ^= 0x10;
  write(folder, "heartbeat", good);
  write(folder, "crc_error", corrupt + good);
  write(folder, "version_error", frame({.version = 2}, heartbeat) + good);
  write(folder, "truncated", Bytes(good.begin(), good.begin() + 7) + Bytes{0x00} + good);
  write(folder, "garbage_between",
        Bytes{0x13, 0x37, 0x00, 0x42, 0xFF} + good + Bytes{0x99, 0x98, 0x00, 0x00, 0x00} + good);
  write(folder, "oversize", Bytes(300, 0x42) + Bytes{0x00} + good);
  write(folder, "too_short", Bytes{0x04, 0x01, 0x02, 0x03, 0x00} + good);
  write(folder, "empty_payload", frame({}, rfneedle::device::GeneratorCommand{}));

  // A frame ending in a full 254-byte COBS block, sent the paper's way with a redundant
  // final 0x01 block: flags 0 is the last zero, everything after it non-zero.
  for (std::uint8_t fill = 1; fill != 0; ++fill) {
    Bytes wire(rfneedle::hal::kMaxWireBytes);
    wire.resize(rfneedle::hal::encode_frame({.flags = 0, .seq = 0x0101, .ack = 0x0101},
                                            Bytes(rfneedle::hal::kMaxPayloadBytes, fill), wire));
    if (wire.size() == 2 + 1 + 254 + 1 && wire[2] == 0xFF) {  // CRC without a zero byte
      wire.back() = 0x01;
      wire.push_back(0x00);
      write(folder, "redundant_final_block", wire);
      break;
    }
  }
  return 0;
}
