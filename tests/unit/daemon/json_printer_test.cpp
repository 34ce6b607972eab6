// The API's own JSON printer against protobuf's: every message of api.proto, filled at
// random through reflection (every field kind, set and unset, oneofs, maps, timestamps,
// every ASCII character in strings), prints what protobuf's MessageToJsonString prints.
#include "controller/daemon/json_printer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>

#include "controller/daemon/api_json.h"
#include "proto/api.pb.h"

namespace rfneedle::daemon {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

class Filler {
 public:
  Filler(std::uint32_t seed, int max_map_entries) : random_(seed), max_map_(max_map_entries) {}

  void fill(pb::Message& m, int depth) {
    const pb::Descriptor& d = *m.GetDescriptor();
    if (d.full_name() == "google.protobuf.Timestamp") {
      fill_timestamp(m);
      return;
    }
    const pb::Reflection& r = *m.GetReflection();
    for (int i = 0; i < d.field_count(); ++i) {
      const FD& f = *d.field(i);
      if (f.is_map()) {
        const int n = pick(0, max_map_);
        std::set<std::string> keys;  // each key once, as a map holds it
        for (int k = 0; k < n; ++k) {
          pb::Message* entry = r.AddMessage(&m, &f);
          const FD& key = *f.message_type()->map_key();
          fill_field(*entry, key, depth);
          if (!keys.insert(entry->GetReflection()->GetString(*entry, &key)).second) {
            r.RemoveLast(&m, &f);
            continue;
          }
          fill_field(*entry, *f.message_type()->map_value(), depth);
        }
      } else if (f.is_repeated()) {
        const int n = depth > 2 ? 0 : pick(0, 3);
        for (int k = 0; k < n; ++k) {
          add_element(m, f, depth);
        }
      } else if (f.containing_oneof() != nullptr || f.has_presence()) {
        if (pick(0, 2) == 0 && (f.cpp_type() != FD::CPPTYPE_MESSAGE || depth < 3)) {
          fill_field(m, f, depth);  // the last member set of a oneof wins
        }
      } else if (pick(0, 3) != 0) {
        fill_field(m, f, depth);  // else left at its default, which is printed too
      }
    }
  }

  // Strings of every ASCII character; one in `non_ascii_every` with a non-ASCII one.
  std::string text() {
    std::string s;
    const int n = pick(0, 12);
    for (int i = 0; i < n; ++i) {
      s += static_cast<char>(pick(0, 127));
    }
    if (non_ascii_every_ > 0 && pick(1, non_ascii_every_) == 1) {
      s += "\xc3\xa9\xe2\x80\xa8";  // U+00E9, U+2028
    }
    return s;
  }

  int non_ascii_every_ = 0;

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random_); }

  void fill_timestamp(pb::Message& m) {
    auto& t = static_cast<pb::Timestamp&>(m);
    t.set_seconds(
        std::uniform_int_distribution<std::int64_t>(-62'135'596'800, 253'402'300'799)(random_));
    switch (pick(0, 3)) {
      case 0:
        t.set_nanos(0);
        break;
      case 1:
        t.set_nanos(pick(0, 999) * 1'000'000);
        break;
      case 2:
        t.set_nanos(pick(0, 999'999) * 1000);
        break;
      default:
        t.set_nanos(pick(0, 999'999'999));
        break;
    }
  }

  int enum_value(const FD& f) {
    const pb::EnumDescriptor& e = *f.enum_type();
    if (pick(0, 9) == 0) {
      return 1000 + pick(0, 5);  // a number the enum does not name
    }
    return e.value(pick(0, e.value_count() - 1))->number();
  }

  void fill_field(pb::Message& m, const FD& f, int depth) {
    const pb::Reflection& r = *m.GetReflection();
    switch (f.cpp_type()) {
      case FD::CPPTYPE_INT32:
        r.SetInt32(&m, &f, pick(-100000, 100000));
        break;
      case FD::CPPTYPE_UINT32:
        r.SetUInt32(&m, &f, static_cast<std::uint32_t>(pick(0, 1 << 30)) * 3U);
        break;
      case FD::CPPTYPE_INT64:
        r.SetInt64(&m, &f, static_cast<std::int64_t>(random_()) * (pick(0, 1) ? -1 : 1));
        break;
      case FD::CPPTYPE_UINT64:
        r.SetUInt64(&m, &f, (std::uint64_t{random_()} << 32) | random_());
        break;
      case FD::CPPTYPE_BOOL:
        r.SetBool(&m, &f, pick(0, 1) == 1);
        break;
      case FD::CPPTYPE_ENUM:
        r.SetEnumValue(&m, &f, enum_value(f));
        break;
      case FD::CPPTYPE_STRING:
        r.SetString(&m, &f, text());
        break;
      case FD::CPPTYPE_MESSAGE:
        fill(*r.MutableMessage(&m, &f), depth + 1);
        break;
      default:
        ADD_FAILURE() << "api.proto has a field of a kind this test does not fill: "
                      << f.full_name();
    }
  }

  void add_element(pb::Message& m, const FD& f, int depth) {
    const pb::Reflection& r = *m.GetReflection();
    switch (f.cpp_type()) {
      case FD::CPPTYPE_INT32:
        r.AddInt32(&m, &f, pick(-100000, 100000));
        break;
      case FD::CPPTYPE_UINT32:
        r.AddUInt32(&m, &f, static_cast<std::uint32_t>(pick(0, 100000)));
        break;
      case FD::CPPTYPE_INT64:
        r.AddInt64(&m, &f, -static_cast<std::int64_t>(random_()));
        break;
      case FD::CPPTYPE_UINT64:
        r.AddUInt64(&m, &f, random_());
        break;
      case FD::CPPTYPE_BOOL:
        r.AddBool(&m, &f, pick(0, 1) == 1);
        break;
      case FD::CPPTYPE_ENUM:
        r.AddEnumValue(&m, &f, enum_value(f));
        break;
      case FD::CPPTYPE_STRING:
        r.AddString(&m, &f, text());
        break;
      case FD::CPPTYPE_MESSAGE:
        fill(*r.AddMessage(&m, &f), depth + 1);
        break;
      default:
        ADD_FAILURE() << "api.proto has a field of a kind this test does not fill: "
                      << f.full_name();
    }
  }

  std::mt19937 random_;
  int max_map_;
};

std::vector<const pb::Descriptor*> api_messages() {
  std::vector<const pb::Descriptor*> all;
  const pb::FileDescriptor& file = *api::Status::descriptor()->file();
  std::vector<const pb::Descriptor*> todo;
  for (int i = 0; i < file.message_type_count(); ++i) {
    todo.push_back(file.message_type(i));
  }
  while (!todo.empty()) {
    const pb::Descriptor* d = todo.back();
    todo.pop_back();
    if (d->map_key() != nullptr) {
      continue;
    }
    all.push_back(d);
    for (int i = 0; i < d->nested_type_count(); ++i) {
      todo.push_back(d->nested_type(i));
    }
  }
  return all;
}

TEST(JsonPrinter, PrintsWhatProtobufPrintsForEveryApiMessage) {
  // At most one map entry: protobuf prints a map in its own order, this printer by key.
  pb::MessageFactory& factory = *pb::MessageFactory::generated_factory();
  int compared = 0;
  for (const pb::Descriptor* d : api_messages()) {
    for (std::uint32_t seed = 1; seed <= 40; ++seed) {
      std::unique_ptr<pb::Message> m(factory.GetPrototype(d)->New());
      Filler(seed, 1).fill(*m, 0);
      std::string ours;
      ASSERT_TRUE(print_json(*m, ours)) << d->full_name() << " seed " << seed;
      ASSERT_EQ(ours, protobuf_json(*m)) << d->full_name() << " seed " << seed;
      ++compared;
    }
  }
  EXPECT_GT(compared, 40 * 30);  // api.proto has dozens of messages
}

TEST(JsonPrinter, MapsHoldTheSameEntriesInKeyOrder) {
  pb::MessageFactory& factory = *pb::MessageFactory::generated_factory();
  for (const pb::Descriptor* d : api_messages()) {
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
      std::unique_ptr<pb::Message> m(factory.GetPrototype(d)->New());
      Filler(seed, 4).fill(*m, 0);
      std::string ours;
      ASSERT_TRUE(print_json(*m, ours));
      pb::Struct a;
      pb::Struct b;
      ASSERT_TRUE(pb::util::JsonStringToMessage(ours, &a).ok()) << ours;
      ASSERT_TRUE(pb::util::JsonStringToMessage(protobuf_json(*m), &b).ok());
      EXPECT_TRUE(pb::util::MessageDifferencer::Equals(a, b)) << d->full_name() << " seed " << seed;
    }
  }
  api::OpenSessionRequest r;
  (*r.mutable_checklist())["pregnancy"] = api::NO;
  (*r.mutable_checklist())["keloids"] = api::YES;
  std::string ours;
  ASSERT_TRUE(print_json(r, ours));
  EXPECT_NE(ours.find(R"("checklist":{"keloids":"YES","pregnancy":"NO"})"), std::string::npos)
      << ours;
}

TEST(JsonPrinter, LeavesWhatItDoesNotPrintToProtobuf) {
  api::ErrorBody body;
  body.set_error("caf\xc3\xa9");
  std::string out = "kept";
  EXPECT_FALSE(print_json(body, out));
  EXPECT_EQ(out, "kept");
  // to_json prints it all the same, through protobuf's printer.
  EXPECT_EQ(to_json(body), protobuf_json(body));

  pb::MessageFactory& factory = *pb::MessageFactory::generated_factory();
  for (const pb::Descriptor* d : api_messages()) {
    for (std::uint32_t seed = 1; seed <= 10; ++seed) {
      std::unique_ptr<pb::Message> m(factory.GetPrototype(d)->New());
      Filler filler(seed, 1);
      filler.non_ascii_every_ = 3;
      filler.fill(*m, 0);
      EXPECT_EQ(to_json(*m), protobuf_json(*m)) << d->full_name() << " seed " << seed;
    }
  }
}

}  // namespace
}  // namespace rfneedle::daemon
