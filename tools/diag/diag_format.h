// rfneedle-diag's human output: tables aligned on a terminal and tab-separated when piped,
// colour only on a terminal and never with NO_COLOR (https://no-color.org), names of the
// API's enums as words ("STATE_SERVICE_LOCK" -> "service lock").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/api.pb.h"

namespace rfneedle::diag {

struct Style {
  bool terminal = false;  // stdout is a terminal: aligned tables, refresh in place
  bool colour = false;    // terminal and no NO_COLOR

  // From the process: isatty(stdout) and $NO_COLOR.
  [[nodiscard]] static Style detect();
  [[nodiscard]] std::string bold(std::string_view text) const;
  // IEC 60601-1-8 colours: high red, medium yellow, low cyan.
  [[nodiscard]] std::string priority(api::AlarmPriority p, std::string_view text) const;
  [[nodiscard]] std::string good(bool ok, std::string_view text) const;
};

// The lower-case words of an enum value's name after its type's prefix:
// words("STATE_SERVICE_LOCK", "STATE_") == "service lock". A name without the prefix
// stays as it is, in lower case.
[[nodiscard]] std::string words(std::string_view name, std::string_view prefix);
[[nodiscard]] std::string label(api::State v);
[[nodiscard]] std::string label(api::Rung v);
[[nodiscard]] std::string label(api::AlarmPriority v);
[[nodiscard]] std::string label(api::ClearPolicy v);
[[nodiscard]] std::string label(api::Severity v);
[[nodiscard]] std::string label(api::EventKind v);
[[nodiscard]] std::string label(api::BodyArea v);
[[nodiscard]] std::string label(api::CartridgeKind v);
[[nodiscard]] std::string label(api::PulseOutcome v);
[[nodiscard]] std::string label(api::Role v);
// "***" high, "**" medium, "*" low, "" none (the touchscreen's markers, DESIGN 7).
[[nodiscard]] std::string_view priority_marker(api::AlarmPriority p);

// milli-units as decimals: milli(41250, 1) == "41.3"; micro(1500000, 3) == "1.500".
[[nodiscard]] std::string milli(std::int64_t value, int decimals);
[[nodiscard]] std::string micro(std::int64_t value, int decimals);

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  // On a terminal: a bold header and columns padded to their widest cell (colour codes do
  // not count). Otherwise: the header and rows tab-separated, for cut and awk.
  [[nodiscard]] std::string render(const Style& style) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Two columns, "name: value" lines aligned on a terminal.
class Fields {
 public:
  void add(std::string name, std::string value) {
    rows_.emplace_back(std::move(name), std::move(value));
  }
  [[nodiscard]] std::string render(const Style& style) const;

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

// The printed width of `text`: characters other than ANSI colour sequences.
[[nodiscard]] std::size_t visible_width(std::string_view text);

}  // namespace rfneedle::diag
