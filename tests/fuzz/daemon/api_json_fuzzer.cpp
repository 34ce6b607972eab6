// Request bodies from anywhere (SR-75): the first byte picks one of api.proto's request
// messages, the rest is its body. parse_json never crashes and names what it refuses;
// what it accepts prints (to_json) as the JSON protobuf's printer prints (the same values;
// map entries in key order) and parses back to the same message.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "controller/daemon/api_json.h"
#include "proto/api.pb.h"

namespace {

namespace pb = google::protobuf;

// Every top-level message of api.proto named ...Request, in file order.
std::vector<const pb::Message*> requests() {
  std::vector<const pb::Message*> all;
  const pb::FileDescriptor& file = *rfneedle::api::Status::descriptor()->file();
  for (int i = 0; i < file.message_type_count(); ++i) {
    const pb::Descriptor* d = file.message_type(i);
    const std::string& name = d->name();
    if (name.size() > 7 && name.compare(name.size() - 7, 7, "Request") == 0) {
      all.push_back(pb::MessageFactory::generated_factory()->GetPrototype(d));
    }
  }
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const pb::Message*> kRequests = requests();
  if (size == 0 || kRequests.empty()) {
    return 0;
  }
  const pb::Message& prototype = *kRequests[data[0] % kRequests.size()];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  std::unique_ptr<pb::Message> parsed(prototype.New());
  if (const auto error = rfneedle::daemon::parse_json(body, *parsed)) {
    if (error->error().empty() || error->rule().empty()) {
      std::abort();  // every refusal says what is wrong and which rule it broke
    }
    return 0;
  }
  (void)rfneedle::daemon::first_unspecified_enum(*parsed);

  const std::string printed = rfneedle::daemon::to_json(*parsed);
  pb::Value ours;
  pb::Value theirs;
  if (!pb::util::JsonStringToMessage(printed, &ours).ok() ||
      !pb::util::JsonStringToMessage(rfneedle::daemon::protobuf_json(*parsed), &theirs).ok() ||
      !pb::util::MessageDifferencer::Equals(ours, theirs)) {
    std::abort();  // rfneedled's printer and protobuf's disagree
  }
  std::unique_ptr<pb::Message> again(prototype.New());
  if (rfneedle::daemon::parse_json(printed, *again) ||
      !pb::util::MessageDifferencer::Equals(*parsed, *again)) {
    std::abort();  // what the API prints, it reads back the same
  }
  return 0;
}
