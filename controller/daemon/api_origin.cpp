// Issue 10: a browser on the device must not be usable against it. A page from elsewhere
// can make the device's own browser send requests to 127.0.0.1, either by name through a
// DNS name that it re-points at 127.0.0.1 (the Host then names the page's site) or from its
// own origin (the browser then sends that Origin). Neither is this device's, so neither is
// served. Cookies are never used, so no request carries credentials by itself.
#include <algorithm>
#include <cctype>

#include "controller/daemon/api_json.h"
#include "controller/daemon/api_service.h"

namespace rfneedle::daemon {
namespace {

bool same_text(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::optional<HttpResponse> ApiService::refuse_browser(const HttpRequest& request) const {
  const std::string& address = options_.listen_address;
  const std::string host =
      address.find(':') == std::string::npos ? address : "[" + address + "]";  // IPv6
  const std::string authority = host + ":" + std::to_string(options_.listen_port);
  // Port 80 may be left out, as browsers do.
  const bool default_port = options_.listen_port == 80;
  const bool host_ok = !address.empty() && (same_text(request.host, authority) ||
                                            (default_port && same_text(request.host, host)));
  if (!host_ok) {
    return error_response(421, error_body("not this device's address", "Host", authority));
  }
  if (request.origin) {
    const std::string own = "http://" + authority;
    const bool origin_ok = same_text(*request.origin, own) ||
                           (default_port && same_text(*request.origin, "http://" + host));
    if (!origin_ok) {
      return error_response(403, error_body("cross-origin request", "Origin", own));
    }
  }
  return std::nullopt;
}

}  // namespace rfneedle::daemon
