#include "tools/diag/diag_json.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

namespace rfneedle::diag {

std::string to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing a message the CLI built or parsed cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

std::string from_json(std::string_view json, google::protobuf::Message& out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const std::string_view body = json.empty() ? std::string_view("{}") : json;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), &out, options);
  if (status.ok()) {
    return {};
  }
  return "not a " + out.GetTypeName() + ": " + std::string(status.message());
}

}  // namespace rfneedle::diag
