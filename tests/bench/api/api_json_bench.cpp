// The API's JSON on the service thread (issue 9, rfneedled_cpu_pct): a full status
// snapshot (every sub-message present, two active conditions) and a stream telemetry
// frame, printed by rfneedled's printer (to_json) and by protobuf's MessageToJsonString
// with the same options. The snapshot is printed up to 20 times a second and every
// telemetry frame of the display's stream (~30 a second) once.
//   ApiJson/status.time, ApiJson/telemetry.time [ns]: the printer rfneedled uses
//   ProtobufJson/status.time, ProtobufJson/telemetry.time [ns]: protobuf's, for comparison
#include <benchmark/benchmark.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "controller/daemon/api_json.h"
#include "proto/api.pb.h"

namespace rfneedle::daemon {
namespace {

namespace pb = google::protobuf;

// Every singular sub-message present, every string a short word, every number non-zero.
void fill(pb::Message& m, int depth) {
  const pb::Descriptor& d = *m.GetDescriptor();
  const pb::Reflection& r = *m.GetReflection();
  for (int i = 0; i < d.field_count(); ++i) {
    const pb::FieldDescriptor& f = *d.field(i);
    if (f.is_repeated() || f.containing_oneof() != nullptr) {
      continue;
    }
    switch (f.cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 3) {
          fill(*r.MutableMessage(&m, &f), depth + 1);
        }
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        r.SetString(&m, &f, "cheek");
        break;
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r.SetInt32(&m, &f, 41'250);
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        r.SetUInt32(&m, &f, 1'500);
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        r.SetInt64(&m, &f, 1'764'000'000);
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        r.SetUInt64(&m, &f, 123'456);
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r.SetBool(&m, &f, true);
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        r.SetEnumValue(&m, &f, f.enum_type()->value(f.enum_type()->value_count() - 1)->number());
        break;
      default:
        break;
    }
  }
}

api::Status status() {
  api::Status s;
  fill(s, 0);
  for (int i = 0; i < 2; ++i) {
    fill(*s.add_conditions(), 1);
  }
  return s;
}

api::StreamServerMessage telemetry() {
  api::StreamServerMessage m;
  fill(*m.mutable_telemetry(), 1);
  return m;
}

template <typename Print>
void run(benchmark::State& state, const pb::Message& m, Print print) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string json = print(m);
    bytes = json.size();
    benchmark::DoNotOptimize(json);
  }
  state.counters["json_bytes[bytes]"] = static_cast<double>(bytes);
}

void BM_ApiJson(benchmark::State& state, const pb::Message* m) {
  run(state, *m, [](const pb::Message& x) { return to_json(x); });
}
void BM_ProtobufJson(benchmark::State& state, const pb::Message* m) {
  run(state, *m, protobuf_json);
}

const api::Status kStatus = status();
const api::StreamServerMessage kTelemetry = telemetry();

BENCHMARK_CAPTURE(BM_ApiJson, status, &kStatus);
BENCHMARK_CAPTURE(BM_ApiJson, telemetry, &kTelemetry);
BENCHMARK_CAPTURE(BM_ProtobufJson, status, &kStatus);
BENCHMARK_CAPTURE(BM_ProtobufJson, telemetry, &kTelemetry);

}  // namespace
}  // namespace rfneedle::daemon
