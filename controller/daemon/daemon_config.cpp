#include "controller/daemon/daemon_config.h"

#include <google/protobuf/text_format.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "controller/core/config_loader.h"
#include "controller/daemon/operator_names.h"
#include "proto/config.pb.h"

namespace rfneedle::daemon {
namespace {

// SHA-256 of the file's bytes, in lower-case hex (libsodium).
std::string sha256_hex(const std::string& text) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return hex.data();
}

}  // namespace

std::variant<DaemonConfig, std::string> parse_daemon_config(const std::string& text,
                                                            const std::string& path) {
  const core::ConfigLoad load = core::load_config(text);
  if (!load.ok()) {
    // file:line: field: rule, as a compiler names a place (no line: the text lacks it).
    const std::string where =
        load.error.line > 0 ? path + ":" + std::to_string(load.error.line) : path;
    return where + ": " + load.error.field + ": " + load.error.reason;
  }
  // The core's loader has checked the text parses; its daemon sections are read here.
  config::DeviceConfig message;
  google::protobuf::TextFormat::Parser parser;
  google::protobuf::TextFormat::ParseInfoTree locations;
  parser.WriteLocationsTo(&locations);
  if (!parser.ParseFromString(text, &message)) {
    return path + ": not valid text format";
  }
  DaemonConfig c;
  c.core = *load.config;
  c.boards = load.boards;
  for (const config::OperatorAccount& a : message.accounts().operator_()) {
    if (!is_operator_name(a.user())) {
      return path + ": accounts.operator.user: '" + a.user() + "' is not " +
             std::string(kOperatorNameRule);
    }
    if (a.pin_hash().empty()) {
      return path + ": accounts.operator.pin_hash: missing for " + a.user() +
             " (rfneedled --hash-secret prints one)";
    }
    for (const OperatorHash& other : c.operators) {
      if (other.user == a.user()) {
        return path + ": accounts.operator.user: " + a.user() + " appears twice";
      }
    }
    c.operators.push_back({a.user(), a.pin_hash()});
  }
  c.service_key_hash = message.accounts().service_key_hash();
  const int interval = message.course().min_course_interval_days();
  if (interval < kMinCourseIntervalFloorDays || interval > kMinCourseIntervalCeilingDays) {
    const auto* course = config::DeviceConfig::descriptor()->FindFieldByName("course");
    const auto* days = config::CourseSettings::descriptor()->FindFieldByName(
        "min_course_interval_days");
    const auto* nested = locations.GetTreeForNested(course, -1);
    const int line = nested == nullptr ? -1 : nested->GetLocation(days, -1).line;
    const std::string where = line >= 0 ? path + ":" + std::to_string(line + 1) : path;
    return where + ": course.min_course_interval_days: " + std::to_string(interval) +
           " is outside " + std::to_string(kMinCourseIntervalFloorDays) + ".." +
           std::to_string(kMinCourseIntervalCeilingDays) + " days";
  }
  c.min_course_interval_days = interval;
  const config::DaemonSettings& d = message.daemon();
  if (d.has_generator()) c.settings.generator_path = d.generator();
  if (d.has_actuator()) c.settings.actuator_path = d.actuator();
  if (d.has_listen()) c.settings.listen = d.listen();
  if (d.has_data_dir()) c.settings.data_dir = d.data_dir();
  if (d.has_sim_control()) c.settings.sim_control = d.sim_control();
  if (d.has_frontend()) c.settings.frontend_dir = d.frontend();
  const config::LogSettings& log = message.log();
  if (log.has_file()) {
    if (log.file().empty()) {
      return path + ": log.file: empty (leave it out for rfneedled.log in the data directory)";
    }
    c.log.file = log.file();
  }
  if (log.max_file_bytes() < kMinLogFileBytes || log.max_file_bytes() > kMaxLogFileBytes) {
    return path + ": log.max_file_bytes: " + std::to_string(log.max_file_bytes()) + " is outside " +
           std::to_string(kMinLogFileBytes) + ".." + std::to_string(kMaxLogFileBytes);
  }
  if (log.max_files() < 1 || log.max_files() > kMaxLogFiles) {
    return path + ": log.max_files: " + std::to_string(log.max_files()) + " is outside 1.." +
           std::to_string(kMaxLogFiles);
  }
  c.log.max_file_bytes = static_cast<std::size_t>(log.max_file_bytes());
  c.log.max_files = static_cast<std::size_t>(log.max_files());
  if (d.has_metrics_listen()) c.settings.metrics_listen = d.metrics_listen();
  c.fingerprint = sha256_hex(text);
  return c;
}

std::variant<DaemonConfig, std::string> load_daemon_config(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return path + ": cannot be read";
  }
  std::ostringstream text;
  text << file.rdbuf();
  return parse_daemon_config(text.str(), path);
}

}  // namespace rfneedle::daemon
