// The controller's address: --url or RFNEEDLE_URL, http://HOST:PORT (the device's own API
// is plain HTTP on loopback, docs/api.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/diag/diag_result.h"

namespace rfneedle::diag {

inline constexpr std::string_view kDefaultUrl = "http://127.0.0.1:8080";

struct ControllerUrl {
  std::string host;  // an IP address or a name; IPv6 without brackets
  std::uint16_t port = 80;
  // The Host header rfneedled expects: the address as bound ("127.0.0.1:8080", "[::1]:8080").
  [[nodiscard]] std::string host_header() const;
  [[nodiscard]] std::string text() const { return "http://" + host_header(); }
};

// "http://127.0.0.1:8080", "http://[::1]:8080/", "http://127.0.0.1" (port 80).
[[nodiscard]] Parsed<ControllerUrl> parse_url(std::string_view text);

}  // namespace rfneedle::diag
