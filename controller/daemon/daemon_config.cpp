#include "controller/daemon/daemon_config.h"

#include <google/protobuf/text_format.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "controller/core/config_loader.h"
#include "controller/daemon/operator_names.h"
#include "proto/config.pb.h"

namespace rfneedle::daemon {
namespace {

std::string fnv1a_hex(const std::string& text) {
  std::uint64_t h = 0xcbf2'9ce4'8422'2325ULL;
  for (const char c : text) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x0000'0100'0000'01b3ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace

std::variant<DaemonConfig, std::string> parse_daemon_config(const std::string& text,
                                                            const std::string& path) {
  const core::ConfigLoad load = core::load_config(text);
  if (!load.ok()) {
    return path + ": " + load.error.field + ": " + load.error.reason;
  }
  // The core's loader has checked the text parses; its daemon sections are read here.
  config::DeviceConfig message;
  if (!google::protobuf::TextFormat::ParseFromString(text, &message)) {
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
  const config::DaemonSettings& d = message.daemon();
  if (d.has_generator()) c.settings.generator_path = d.generator();
  if (d.has_actuator()) c.settings.actuator_path = d.actuator();
  if (d.has_listen()) c.settings.listen = d.listen();
  if (d.has_data_dir()) c.settings.data_dir = d.data_dir();
  if (d.has_sim_control()) c.settings.sim_control = d.sim_control();
  if (d.has_frontend()) c.settings.frontend_dir = d.frontend();
  c.fingerprint = fnv1a_hex(text);
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
