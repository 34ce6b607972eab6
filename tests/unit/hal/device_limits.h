// Messages of proto/device.proto filled from their documented ranges (the range_min,
// range_max, max_count and max_len field options), for the size checks of SR-43, the
// fuzz corpus and the link benchmark.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

namespace rfneedle::testing {

// Sets every field (recursively) to the in-range value that serializes longest: each
// numeric field to range_min or range_max, whichever is longer on the wire; booleans
// true; enums their largest value; strings and bytes max_len bytes; repeated fields
// max_count elements; of each oneof, the member whose largest filling is longest.
void fill_with_longest_values(google::protobuf::Message& message);

// Fields of `message`'s type (and of every type it contains) that lack the option that
// documents their range, as "Message.field: what is missing".
[[nodiscard]] std::vector<std::string> undocumented_fields(
    const google::protobuf::Descriptor& message);

}  // namespace rfneedle::testing
