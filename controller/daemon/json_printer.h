// The API's JSON printed straight from a message's reflection: the same text as protobuf's
// MessageToJsonString with `always_print_primitive_fields` and `preserve_proto_field_names`
// (tests/unit/daemon/json_printer_test.cpp compares the two over every message of
// api.proto), at a fraction of its cost. Protobuf's printer builds a tree of every field
// with its default before writing any, which made each status snapshot the service
// thread's largest expense (20 a second, and every telemetry frame of the stream).
#pragma once

#include <string>

namespace google::protobuf {
class Message;
}

namespace rfneedle::daemon {

// Appends the JSON of `message` to `out`, or returns false (leaving `out` as it was) for
// what this printer does not render itself: floating-point, bytes and Any fields, and
// strings that are not valid UTF-8. The caller then uses protobuf's printer.
[[nodiscard]] bool print_json(const google::protobuf::Message& message, std::string& out);

}  // namespace rfneedle::daemon
