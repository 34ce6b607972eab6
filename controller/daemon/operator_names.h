// What an operator's user name and PIN may be (issue 10). A user name is one path segment
// of /api/v1/service/operators/{user} exactly as written, and reads the same in every
// record that names it; a PIN is at least 6 digits.
#pragma once

#include <cstddef>
#include <string_view>

namespace rfneedle::daemon {

inline constexpr std::size_t kMaxOperatorNameSize = 64;
inline constexpr std::string_view kOperatorNameRule = "1 to 64 of A-Z a-z 0-9 . _ -";
inline constexpr std::size_t kMinPinDigits = 6;
inline constexpr std::size_t kMaxPinDigits = 16;
inline constexpr std::string_view kPinRule = "6 to 16 digits";

[[nodiscard]] constexpr bool is_operator_name(std::string_view user) {
  if (user.empty() || user.size() > kMaxOperatorNameSize) {
    return false;
  }
  for (const char c : user) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

[[nodiscard]] constexpr bool is_pin(std::string_view pin) {
  if (pin.size() < kMinPinDigits || pin.size() > kMaxPinDigits) {
    return false;
  }
  for (const char c : pin) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace rfneedle::daemon
