// rfneedled's configuration file (text-format config.proto): the core's thresholds and
// the boards it accepts (controller/core/config_loader.h), the accounts (hashes only) and
// the daemon's own settings. A bad file is refused as a whole, naming the file, the line
// or field and the rule (issue 9).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "controller/core/core_config.h"
#include "controller/daemon/daemon_options.h"
#include "hal/handshake_policy.h"

namespace rfneedle::daemon {

struct OperatorHash {
  std::string user;
  std::string pin_hash;  // Argon2id, as `rfneedled --hash-secret` prints it
};

// A session on an area treated fewer days before needs a recorded reason (DESIGN 4).
inline constexpr int kDefaultMinCourseIntervalDays = 28;
inline constexpr int kMinCourseIntervalFloorDays = 14;
inline constexpr int kMinCourseIntervalCeilingDays = 365;

// The `log` section (rfneedled's rotating file; the console always).
inline constexpr std::int64_t kMinLogFileBytes = 64 * 1024;
inline constexpr std::int64_t kMaxLogFileBytes = 1024 * 1024 * 1024;
inline constexpr int kMaxLogFiles = 100;
struct LogConfig {
  std::optional<std::string> file;  // none: rfneedled.log in the data directory
  std::size_t max_file_bytes = 5 * 1024 * 1024;
  std::size_t max_files = 3;
};

struct DaemonConfig {
  core::CoreConfig core;
  hal::HandshakePolicy boards;
  std::vector<OperatorHash> operators;
  std::string service_key_hash;
  int min_course_interval_days = kDefaultMinCourseIntervalDays;
  LogConfig log;
  // The `daemon` section, as flags would give it (resolve_settings).
  DaemonOptions settings;
  // The SHA-256 of the file's bytes in hex, recorded with every session (issue 9).
  std::string fingerprint;
};

// `text` as read from `path` (named in errors).
[[nodiscard]] std::variant<DaemonConfig, std::string> parse_daemon_config(const std::string& text,
                                                                          const std::string& path);
// Reads `path` first; an unreadable file is an error naming it.
[[nodiscard]] std::variant<DaemonConfig, std::string> load_daemon_config(const std::string& path);

}  // namespace rfneedle::daemon
