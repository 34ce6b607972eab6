#include "controller/daemon/api_json.h"

#include "controller/daemon/json_printer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace rfneedle::daemon {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

std::string join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

std::optional<api::ErrorBody> wrong_type(const std::string& field, const char* rule) {
  return error_body("wrong type", field, rule);
}

std::optional<api::ErrorBody> check_integer(const pb::Value& v, const std::string& field,
                                            double min, double max, bool quoted_allowed,
                                            const char* rule) {
  double number = 0;
  if (v.kind_case() == pb::Value::kNumberValue) {
    number = v.number_value();
  } else if (quoted_allowed && v.kind_case() == pb::Value::kStringValue) {
    // 64-bit integers travel as strings (protobuf's JSON mapping): parsed exactly.
    const std::string& s = v.string_value();
    const char* end = s.data() + s.size();
    std::from_chars_result r{};
    if (min < 0) {
      std::int64_t i = 0;
      r = std::from_chars(s.data(), end, i);
    } else {
      std::uint64_t u = 0;
      r = std::from_chars(s.data(), end, u);
    }
    if (r.ec == std::errc::result_out_of_range) {
      return error_body("out of range", field, rule);
    }
    if (s.empty() || r.ec != std::errc{} || r.ptr != end) {
      return error_body(s.starts_with('-') ? "out of range" : "wrong type", field, rule);
    }
    return std::nullopt;
  } else {
    return wrong_type(field, rule);
  }
  if (!std::isfinite(number) || std::floor(number) != number) {
    return wrong_type(field, rule);
  }
  if (number < min || number > max) {
    return error_body("out of range", field, rule);
  }
  return std::nullopt;
}

std::optional<api::ErrorBody> check_object(const pb::Struct& object, const pb::Descriptor& type,
                                           const std::string& path);

std::optional<api::ErrorBody> check_single(const pb::Value& v, const FD& fd,
                                           const std::string& field) {
  switch (fd.cpp_type()) {
    case FD::CPPTYPE_INT32:
      return check_integer(v, field, std::numeric_limits<std::int32_t>::min(),
                           std::numeric_limits<std::int32_t>::max(), false, "a 32-bit integer");
    case FD::CPPTYPE_UINT32:
      return check_integer(v, field, 0, std::numeric_limits<std::uint32_t>::max(), false,
                           "an unsigned 32-bit integer");
    case FD::CPPTYPE_INT64:
      // ±2^63 is not exact in a double: stay within 2^53 beyond which it rounds.
      return check_integer(v, field, -9007199254740992.0, 9007199254740992.0, true,
                           "a 64-bit integer (a JSON string)");
    case FD::CPPTYPE_UINT64:
      return check_integer(v, field, 0, 18446744073709549568.0, true,
                           "an unsigned 64-bit integer (a JSON string)");
    case FD::CPPTYPE_DOUBLE:
    case FD::CPPTYPE_FLOAT:
      return v.kind_case() == pb::Value::kNumberValue ? std::nullopt
                                                      : wrong_type(field, "a number");
    case FD::CPPTYPE_BOOL:
      return v.kind_case() == pb::Value::kBoolValue ? std::nullopt
                                                    : wrong_type(field, "true or false");
    case FD::CPPTYPE_STRING:
      return v.kind_case() == pb::Value::kStringValue ? std::nullopt
                                                      : wrong_type(field, "a string");
    case FD::CPPTYPE_ENUM: {
      const pb::EnumDescriptor& e = *fd.enum_type();
      std::string rule = "one of";
      for (int i = 1; i < e.value_count(); ++i) {
        rule += (i == 1 ? " " : ", ") + e.value(i)->name();
      }
      if (v.kind_case() != pb::Value::kStringValue) {
        return wrong_type(field, rule.c_str());
      }
      if (e.FindValueByName(v.string_value()) == nullptr) {
        return error_body("unknown value", field, rule);
      }
      return std::nullopt;
    }
    case FD::CPPTYPE_MESSAGE: {
      const pb::Descriptor& type = *fd.message_type();
      if (type.full_name() == "google.protobuf.Timestamp") {
        return v.kind_case() == pb::Value::kStringValue
                   ? std::nullopt
                   : wrong_type(field, "an RFC 3339 time (a JSON string)");
      }
      if (v.kind_case() != pb::Value::kStructValue) {
        return wrong_type(field, "an object");
      }
      return check_object(v.struct_value(), type, field);
    }
  }
  return wrong_type(field, "a known type");
}

std::optional<api::ErrorBody> check_object(const pb::Struct& object, const pb::Descriptor& type,
                                           const std::string& path) {
  const pb::OneofDescriptor* oneof_seen = nullptr;
  for (const auto& [key, value] : object.fields()) {
    const std::string field = join(path, key);
    const FD* fd = type.FindFieldByName(key);
    if (fd == nullptr) {
      return error_body("unknown field", field, "not a field of " + type.name());
    }
    if (const pb::OneofDescriptor* oneof = fd->real_containing_oneof()) {
      if (oneof_seen == oneof) {
        return error_body("more than one of a oneof", field, "only one of " + oneof->name());
      }
      oneof_seen = oneof;
    }
    if (fd->is_map()) {
      if (value.kind_case() != pb::Value::kStructValue) {
        return wrong_type(field, "an object");
      }
      const FD& mapped = *fd->message_type()->map_value();
      for (const auto& [k, v] : value.struct_value().fields()) {
        if (auto e = check_single(v, mapped, join(field, k))) {
          return e;
        }
      }
      continue;
    }
    if (fd->is_repeated()) {
      if (value.kind_case() != pb::Value::kListValue) {
        return wrong_type(field, "an array");
      }
      int i = 0;
      for (const pb::Value& item : value.list_value().values()) {
        if (auto e = check_single(item, *fd, field + "[" + std::to_string(i++) + "]")) {
          return e;
        }
      }
      continue;
    }
    if (auto e = check_single(value, *fd, field)) {
      return e;
    }
  }
  return std::nullopt;
}

std::optional<std::string> unspecified_in(const pb::Message& message, const std::string& path) {
  const pb::Descriptor& type = *message.GetDescriptor();
  const pb::Reflection& reflection = *message.GetReflection();
  for (int i = 0; i < type.field_count(); ++i) {
    const FD& fd = *type.field(i);
    if (fd.real_containing_oneof() != nullptr && !reflection.HasField(message, &fd)) {
      continue;
    }
    const std::string field = join(path, fd.name());
    if (fd.is_repeated()) {
      const int n = reflection.FieldSize(message, &fd);
      for (int k = 0; k < n; ++k) {
        const std::string item = field + "[" + std::to_string(k) + "]";
        if (fd.cpp_type() == FD::CPPTYPE_ENUM &&
            reflection.GetRepeatedEnumValue(message, &fd, k) == 0) {
          return item;
        }
        if (fd.cpp_type() == FD::CPPTYPE_MESSAGE && !fd.is_map()) {
          if (auto found = unspecified_in(reflection.GetRepeatedMessage(message, &fd, k), item)) {
            return found;
          }
        }
      }
      continue;
    }
    if (fd.cpp_type() == FD::CPPTYPE_ENUM && reflection.GetEnumValue(message, &fd) == 0) {
      return field;
    }
    if (fd.cpp_type() == FD::CPPTYPE_MESSAGE &&
        fd.message_type()->file()->package() == "rfneedle.api") {
      // An absent message counts as one with every enum unanswered.
      if (auto found = unspecified_in(reflection.GetMessage(message, &fd), field)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

api::ErrorBody error_body(std::string error, std::string field, std::string rule) {
  api::ErrorBody body;
  body.set_error(std::move(error));
  body.set_field(std::move(field));
  body.set_rule(std::move(rule));
  return body;
}

std::string to_json(const pb::Message& message) {
  std::string out;
  out.reserve(256);
  if (print_json(message, out)) {
    return out;
  }
  return protobuf_json(message);
}

std::string protobuf_json(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing our own messages cannot fail: every field is ours and valid.
  (void)pb::util::MessageToJsonString(message, &out, options);
  return out;
}

std::optional<api::ErrorBody> parse_json(std::string_view body, pb::Message& out) {
  const bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank) {
    out.Clear();
    return std::nullopt;
  }
  pb::Value value;
  if (!pb::util::JsonStringToMessage(pb::StringPiece(body.data(), body.size()), &value).ok()) {
    return error_body("malformed JSON", "", "a JSON object (RFC 8259)");
  }
  if (value.kind_case() != pb::Value::kStructValue) {
    return error_body("wrong type", "", "a JSON object");
  }
  if (auto e = check_object(value.struct_value(), *out.GetDescriptor(), "")) {
    return e;
  }
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status =
      pb::util::JsonStringToMessage(pb::StringPiece(body.data(), body.size()), &out, options);
  if (!status.ok()) {
    return error_body("invalid request", "", std::string(status.message()));
  }
  return std::nullopt;
}

std::optional<std::string> first_unspecified_enum(const pb::Message& message) {
  return unspecified_in(message, "");
}

}  // namespace rfneedle::daemon
