#include "tests/unit/hal/device_limits.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "proto/device.pb.h"

namespace rfneedle::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool is_numeric(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

// Range bounds as raw 64-bit patterns; the setters below narrow them to the field's type.
std::uint64_t range_min_bits(const FieldDescriptor& field) {
  return static_cast<std::uint64_t>(field.options().GetExtension(device::range_min));
}

std::uint64_t range_max_bits(const FieldDescriptor& field) {
  return field.options().GetExtension(device::range_max);
}

void add_number(Message& message, const FieldDescriptor& field, std::uint64_t bits) {
  const Reflection& r = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const auto value = static_cast<std::int32_t>(static_cast<std::int64_t>(bits));
      repeated ? r.AddInt32(&message, &field, value) : r.SetInt32(&message, &field, value);
      return;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const auto value = static_cast<std::int64_t>(bits);
      repeated ? r.AddInt64(&message, &field, value) : r.SetInt64(&message, &field, value);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const auto value = static_cast<std::uint32_t>(bits);
      repeated ? r.AddUInt32(&message, &field, value) : r.SetUInt32(&message, &field, value);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT64:
      repeated ? r.AddUInt64(&message, &field, bits) : r.SetUInt64(&message, &field, bits);
      return;
    default:
      return;
  }
}

int largest_enum_number(const FieldDescriptor& field) {
  int largest = 0;
  for (int i = 0; i < field.enum_type()->value_count(); ++i) {
    largest = std::max(largest, field.enum_type()->value(i)->number());
  }
  return largest;
}

// Adds (repeated) or sets one element of `field` at its longest value.
void add_longest(Message& message, const FieldDescriptor& field) {
  const Reflection& r = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      repeated ? r.AddBool(&message, &field, true) : r.SetBool(&message, &field, true);
      return;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = largest_enum_number(field);
      repeated ? r.AddEnumValue(&message, &field, number)
               : r.SetEnumValue(&message, &field, number);
      return;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      // Strings must be valid UTF-8; one ASCII byte per character is as long as bytes get.
      const char filler = field.type() == FieldDescriptor::TYPE_STRING ? 'x' : '\xFF';
      const std::string value(field.options().GetExtension(device::max_len), filler);
      repeated ? r.AddString(&message, &field, value) : r.SetString(&message, &field, value);
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      fill_with_longest_values(repeated ? *r.AddMessage(&message, &field)
                                        : *r.MutableMessage(&message, &field));
      return;
    default:
      break;
  }
  // A numeric field: whichever end of its range is longer (zigzag makes a negative
  // minimum the longer one for some sint fields).
  std::unique_ptr<Message> at_min(message.New());
  at_min->CopyFrom(message);
  add_number(*at_min, field, range_min_bits(field));
  add_number(message, field, range_max_bits(field));
  if (at_min->ByteSizeLong() > message.ByteSizeLong()) {
    message.CopyFrom(*at_min);
  }
}

void fill_field(Message& message, const FieldDescriptor& field) {
  const int count =
      field.is_repeated() ? static_cast<int>(field.options().GetExtension(device::max_count)) : 1;
  for (int i = 0; i < count; ++i) {
    add_longest(message, field);
  }
}

bool range_fits(const FieldDescriptor& field) {
  const std::int64_t min = field.options().GetExtension(device::range_min);
  const std::uint64_t max = range_max_bits(field);
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return min >= INT32_MIN && max <= INT32_MAX && min <= static_cast<std::int64_t>(max);
    case FieldDescriptor::CPPTYPE_INT64:
      return max <= INT64_MAX && min <= static_cast<std::int64_t>(max);
    case FieldDescriptor::CPPTYPE_UINT32:
      return min >= 0 && max <= UINT32_MAX && static_cast<std::uint64_t>(min) <= max;
    default:
      return min >= 0 && static_cast<std::uint64_t>(min) <= max;
  }
}

void collect_undocumented(const Descriptor& type, std::set<const Descriptor*>& seen,
                          std::vector<std::string>& missing) {
  if (!seen.insert(&type).second) {
    return;
  }
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    const auto& options = field.options();
    const std::string name = type.name() + "." + field.name();
    if (field.is_repeated() && !options.HasExtension(device::max_count)) {
      missing.push_back(name + ": no max_count");
    }
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        !options.HasExtension(device::max_len)) {
      missing.push_back(name + ": no max_len");
    }
    if (is_numeric(field) && !options.HasExtension(device::range_max)) {
      missing.push_back(name + ": no range_max");
    }
    if (is_numeric(field) && !range_fits(field)) {
      missing.push_back(name + ": range does not fit the field's type, or min > max");
    }
    if (field.message_type() != nullptr) {
      collect_undocumented(*field.message_type(), seen, missing);
    }
  }
}

}  // namespace

void fill_with_longest_values(Message& message) {
  const Descriptor& type = *message.GetDescriptor();
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    if (field.containing_oneof() == nullptr) {
      fill_field(message, field);
    }
  }
  for (int i = 0; i < type.oneof_decl_count(); ++i) {
    const auto& oneof = *type.oneof_decl(i);
    std::unique_ptr<Message> longest;
    for (int j = 0; j < oneof.field_count(); ++j) {
      std::unique_ptr<Message> candidate(message.New());
      candidate->CopyFrom(message);
      fill_field(*candidate, *oneof.field(j));
      if (!longest || candidate->ByteSizeLong() > longest->ByteSizeLong()) {
        longest = std::move(candidate);
      }
    }
    if (longest) {
      message.CopyFrom(*longest);
    }
  }
}

std::vector<std::string> undocumented_fields(const Descriptor& message) {
  std::set<const Descriptor*> seen;
  std::vector<std::string> missing;
  collect_undocumented(message, seen, missing);
  return missing;
}

}  // namespace rfneedle::testing
