#include "controller/daemon/json_printer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <vector>

namespace rfneedle::daemon {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// Protobuf's JSON escapes: the control characters, the quote and the backslash (RFC 8259),
// '<' and '>' (for HTML), and DEL. Everything else in ASCII is itself.
bool append_escaped(const std::string& s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      return false;  // beyond ASCII: protobuf's printer, with its rules for Unicode
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20 || u == 0x7f || c == '<' || c == '>') {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return true;
}

template <typename Integer>
void append_number(Integer value, std::string& out) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

void append_digits(std::int64_t value, int width, std::string& out) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  for (auto n = result.ptr - digits.data(); n < width; ++n) {
    out += '0';
  }
  out.append(digits.data(), result.ptr);
}

// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf's TimeUtil writes it;
// false outside 0001-01-01 to 9999-12-31 (protobuf refuses those).
bool append_timestamp(const pb::Message& message, std::string& out) {
  const pb::Reflection& r = *message.GetReflection();
  const pb::Descriptor& d = *message.GetDescriptor();
  const std::int64_t seconds = r.GetInt64(message, d.FindFieldByNumber(1));
  const std::int32_t nanos = r.GetInt32(message, d.FindFieldByNumber(2));
  constexpr std::int64_t kMin = -62'135'596'800;  // 0001-01-01T00:00:00Z
  constexpr std::int64_t kMax = 253'402'300'799;  // 9999-12-31T23:59:59Z
  if (seconds < kMin || seconds > kMax || nanos < 0 || nanos > 999'999'999) {
    return false;
  }
  // Days to a civil date (H. Hinnant's algorithm, proleptic Gregorian).
  std::int64_t days = seconds / 86'400;
  std::int64_t rest = seconds % 86'400;
  if (rest < 0) {
    rest += 86'400;
    --days;
  }
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  out += '"';
  append_digits(year, 4, out);
  out += '-';
  append_digits(month, 2, out);
  out += '-';
  append_digits(day, 2, out);
  out += 'T';
  append_digits(rest / 3600, 2, out);
  out += ':';
  append_digits(rest / 60 % 60, 2, out);
  out += ':';
  append_digits(rest % 60, 2, out);
  if (nanos != 0) {
    out += '.';
    if (nanos % 1'000'000 == 0) {
      append_digits(nanos / 1'000'000, 3, out);
    } else if (nanos % 1000 == 0) {
      append_digits(nanos / 1000, 6, out);
    } else {
      append_digits(nanos, 9, out);
    }
  }
  out += "Z\"";
  return true;
}

bool append_message(const pb::Message& message, std::string& out);

bool append_enum(const pb::EnumDescriptor& type, int number, std::string& out) {
  if (const pb::EnumValueDescriptor* value = type.FindValueByNumber(number)) {
    out += '"';
    out += value->name();  // enum names are identifiers: nothing to escape
    out += '"';
  } else {
    append_number(number, out);
  }
  return true;
}

bool append_singular(const pb::Message& m, const FD& f, std::string& out) {
  const pb::Reflection& r = *m.GetReflection();
  switch (f.cpp_type()) {
    case FD::CPPTYPE_INT32:
      append_number(r.GetInt32(m, &f), out);
      return true;
    case FD::CPPTYPE_UINT32:
      append_number(r.GetUInt32(m, &f), out);
      return true;
    case FD::CPPTYPE_INT64:
      out += '"';
      append_number(r.GetInt64(m, &f), out);
      out += '"';
      return true;
    case FD::CPPTYPE_UINT64:
      out += '"';
      append_number(r.GetUInt64(m, &f), out);
      out += '"';
      return true;
    case FD::CPPTYPE_BOOL:
      out += r.GetBool(m, &f) ? "true" : "false";
      return true;
    case FD::CPPTYPE_ENUM:
      return append_enum(*f.enum_type(), r.GetEnumValue(m, &f), out);
    case FD::CPPTYPE_STRING:
      if (f.type() == FD::TYPE_BYTES) {
        return false;
      }
      return append_escaped(r.GetString(m, &f), out);
    case FD::CPPTYPE_MESSAGE:
      return append_message(r.GetMessage(m, &f), out);
    case FD::CPPTYPE_FLOAT:
    case FD::CPPTYPE_DOUBLE:
      return false;
  }
  return false;
}

bool append_element(const pb::Message& m, const FD& f, int i, std::string& out) {
  const pb::Reflection& r = *m.GetReflection();
  switch (f.cpp_type()) {
    case FD::CPPTYPE_INT32:
      append_number(r.GetRepeatedInt32(m, &f, i), out);
      return true;
    case FD::CPPTYPE_UINT32:
      append_number(r.GetRepeatedUInt32(m, &f, i), out);
      return true;
    case FD::CPPTYPE_INT64:
      out += '"';
      append_number(r.GetRepeatedInt64(m, &f, i), out);
      out += '"';
      return true;
    case FD::CPPTYPE_UINT64:
      out += '"';
      append_number(r.GetRepeatedUInt64(m, &f, i), out);
      out += '"';
      return true;
    case FD::CPPTYPE_BOOL:
      out += r.GetRepeatedBool(m, &f, i) ? "true" : "false";
      return true;
    case FD::CPPTYPE_ENUM:
      return append_enum(*f.enum_type(), r.GetRepeatedEnumValue(m, &f, i), out);
    case FD::CPPTYPE_STRING:
      if (f.type() == FD::TYPE_BYTES) {
        return false;
      }
      return append_escaped(r.GetRepeatedString(m, &f, i), out);
    case FD::CPPTYPE_MESSAGE:
      return append_message(r.GetRepeatedMessage(m, &f, i), out);
    case FD::CPPTYPE_FLOAT:
    case FD::CPPTYPE_DOUBLE:
      return false;
  }
  return false;
}

// A map key as JSON writes it: always a string.
bool append_key(const pb::Message& entry, const FD& key, std::string& out) {
  if (key.cpp_type() == FD::CPPTYPE_STRING) {
    return append_singular(entry, key, out);
  }
  out += '"';
  const bool quoted = key.cpp_type() == FD::CPPTYPE_INT64 || key.cpp_type() == FD::CPPTYPE_UINT64;
  if (quoted) {
    // append_singular quotes 64-bit integers itself: print the digits alone.
    const pb::Reflection& r = *entry.GetReflection();
    if (key.cpp_type() == FD::CPPTYPE_INT64) {
      append_number(r.GetInt64(entry, &key), out);
    } else {
      append_number(r.GetUInt64(entry, &key), out);
    }
  } else if (!append_singular(entry, key, out)) {
    return false;
  }
  out += '"';
  return true;
}

bool append_map(const pb::Message& m, const FD& f, std::string& out) {
  const pb::Reflection& r = *m.GetReflection();
  const int n = r.FieldSize(m, &f);
  const FD& key = *f.message_type()->map_key();
  const FD& value = *f.message_type()->map_value();
  // In key order, so the same map always reads the same.
  std::vector<std::pair<std::string, const pb::Message*>> entries;
  entries.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const pb::Message& entry = r.GetRepeatedMessage(m, &f, i);
    std::string k;
    if (!append_key(entry, key, k)) {
      return false;
    }
    entries.emplace_back(std::move(k), &entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += entries[i].first;
    out += ':';
    if (!append_singular(*entries[i].second, value, out)) {
      return false;
    }
  }
  out += '}';
  return true;
}

bool append_message(const pb::Message& message, std::string& out) {
  const pb::Descriptor& d = *message.GetDescriptor();
  if (d.full_name() == "google.protobuf.Timestamp") {
    return append_timestamp(message, out);
  }
  if (d.file()->name().rfind("google/protobuf/", 0) == 0) {
    return false;  // other well-known types have JSON forms of their own
  }
  const pb::Reflection& r = *message.GetReflection();
  out += '{';
  bool first = true;
  // Protobuf's printer writes the fields in declaration order, except timestamps, which
  // follow all the others (it lays out the defaults first and adds a timestamp, printed
  // as a string, after them): two passes.
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < d.field_count(); ++i) {
      const FD& f = *d.field(i);
      const bool timestamp = !f.is_repeated() && f.cpp_type() == FD::CPPTYPE_MESSAGE &&
                             f.message_type()->full_name() == "google.protobuf.Timestamp";
      if (timestamp != (pass == 1)) {
        continue;
      }
      // Printed: every repeated field and every field without presence; a field with
      // presence (a message, a oneof member, a proto3 `optional`) only when set.
      if (!f.is_repeated() && f.has_presence() && !r.HasField(message, &f)) {
        continue;
      }
      if (!first) {
        out += ',';
      }
      first = false;
      out += '"';
      out += f.name();  // field names are identifiers: nothing to escape
      out += "\":";
      bool printed = true;
      if (f.is_map()) {
        printed = append_map(message, f, out);
      } else if (f.is_repeated()) {
        out += '[';
        const int n = r.FieldSize(message, &f);
        for (int k = 0; k < n && printed; ++k) {
          if (k > 0) {
            out += ',';
          }
          printed = append_element(message, f, k, out);
        }
        out += ']';
      } else {
        printed = append_singular(message, f, out);
      }
      if (!printed) {
        return false;
      }
    }
  }
  out += '}';
  return true;
}

}  // namespace

bool print_json(const pb::Message& message, std::string& out) {
  const std::size_t size = out.size();
  if (!append_message(message, out)) {
    out.resize(size);
    return false;
  }
  return true;
}

}  // namespace rfneedle::daemon
