// Times on rfneedle-diag's command line and in its output: UTC throughout, as the device
// stores them. `--since`/`--until` take ISO-8601 or a time relative to now, like journalctl.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "tools/diag/diag_result.h"

namespace google::protobuf {
class Timestamp;
}

namespace rfneedle::diag {

using WallTime = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-01-01T08:30:00Z", "2026-01-01T10:30:00+02:00", "2026-01-01T08:30:00.250Z",
// "2026-01-01 08:30", "2026-01-01" (midnight) -- a time without a zone is UTC -- or
// relative to `now`: "-10min", "-2h", "-30s", "-1d", "-500ms", "now".
[[nodiscard]] Parsed<WallTime> parse_time(std::string_view text, WallTime now);

// "2026-01-01T08:30:00Z" (seconds) or with milliseconds when `millis` and they are not 0.
[[nodiscard]] std::string format_utc(WallTime t, bool millis = false);

[[nodiscard]] WallTime from_timestamp(const google::protobuf::Timestamp& t);
void to_timestamp(WallTime t, google::protobuf::Timestamp& out);
[[nodiscard]] WallTime wall_now();

}  // namespace rfneedle::diag
