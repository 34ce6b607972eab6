// A value or what is wrong with the input that should have given it.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace rfneedle::diag {

template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;  // set when there is no value

  static Parsed ok(T v) { return Parsed{std::move(v), {}}; }
  static Parsed fail(std::string why) { return Parsed{std::nullopt, std::move(why)}; }
  explicit operator bool() const { return value.has_value(); }
};

}  // namespace rfneedle::diag
