// Reading a scrape of GET /metrics (Prometheus's text exposition format, docs/api.md,
// "Metrics") in tests: one series' value.
#pragma once

#include <optional>
#include <sstream>
#include <string>

namespace rfneedle::testing {

// The value of the sample line `series` (its name and labels exactly as printed:
// `rfneedle_pulses_total{kind="treatment",outcome="completed"}`); none when absent.
[[nodiscard]] inline std::optional<double> sample(const std::string& text,
                                                  const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

}  // namespace rfneedle::testing
