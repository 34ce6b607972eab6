// The API's JSON (issue 9): protobuf's JSON mapping of proto/api.proto with the proto field
// names and every primitive field printed. Parsing refuses what protobuf's own parser
// would accept loosely or report without a field name: every refusal names the field, so
// bad input gets a 4xx saying what was wrong and never reaches the core (SR-75).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/api.pb.h"

namespace google::protobuf {
class Message;
}

namespace rfneedle::daemon {

[[nodiscard]] api::ErrorBody error_body(std::string error, std::string field, std::string rule);

// The JSON of `message`, as every response and stream message is sent.
[[nodiscard]] std::string to_json(const google::protobuf::Message& message);

// The same JSON printed by protobuf's MessageToJsonString (to_json's fallback for what its
// own printer leaves to protobuf; tests and benchmarks compare the two).
[[nodiscard]] std::string protobuf_json(const google::protobuf::Message& message);

// Fills `out` from a JSON object, or says which field is wrong: malformed JSON, a field
// `out` does not have, a value of the wrong type, an integer out of its type's range, an
// enum name that does not exist. An empty body is an empty object.
[[nodiscard]] std::optional<api::ErrorBody> parse_json(std::string_view body,
                                                       google::protobuf::Message& out);

// The first enum field (depth first, in field order, "checklist.keloids") still at its
// *_UNSPECIFIED value 0, outside unset oneof members: a request must answer every one.
[[nodiscard]] std::optional<std::string> first_unspecified_enum(
    const google::protobuf::Message& message);

}  // namespace rfneedle::daemon
