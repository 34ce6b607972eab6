#include "tools/diag/diag_url.h"

#include <charconv>

namespace rfneedle::diag {

std::string ControllerUrl::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Parsed<ControllerUrl> parse_url(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return Parsed<ControllerUrl>::fail("--url '" + std::string(text) + "': " + why +
                                       " (e.g. http://127.0.0.1:8080)");
  };
  constexpr std::string_view kScheme = "http://";
  if (!text.starts_with(kScheme)) {
    return bad("only http:// is served by rfneedled");
  }
  std::string_view rest = text.substr(kScheme.size());
  if (rest.ends_with('/')) {
    rest.remove_suffix(1);
  }
  if (rest.find('/') != std::string_view::npos) {
    return bad("no path: the API's routes are fixed under /api/v1/");
  }
  ControllerUrl url;
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return bad("unclosed '[' in an IPv6 address");
    }
    url.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        return bad("expected :PORT after the address");
      }
      port_text = rest.substr(1);
    }
  } else {
    const auto colon = rest.find(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
    }
  }
  if (url.host.empty()) {
    return bad("no host");
  }
  if (!port_text.empty() || rest.find(':') != std::string_view::npos) {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      return bad("the port is a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  return Parsed<ControllerUrl>::ok(std::move(url));
}

}  // namespace rfneedle::diag
