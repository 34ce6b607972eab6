// The API's JSON (docs/api.md): protobuf's JSON mapping of proto/api.proto with the proto
// field names and every primitive field printed, read and written as rfneedled does.
#pragma once

#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}

namespace rfneedle::diag {

// One line, as rfneedled prints it.
[[nodiscard]] std::string to_json(const google::protobuf::Message& message);
// Fills `out`; "" or what is wrong. Fields the CLI does not know are skipped, so a newer
// rfneedled with more fields still works.
[[nodiscard]] std::string from_json(std::string_view json, google::protobuf::Message& out);

}  // namespace rfneedle::diag
