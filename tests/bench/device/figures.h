// The figures a device benchmark prints: `BENCH <name> <value> <unit>` lines on stdout,
// which `tools/dev bench` collects (messages go to stderr). And the order statistics the
// figures are made of.
#pragma once

#include <string_view>
#include <vector>

namespace rfneedle::bench {

void print_figure(std::string_view name, double value, std::string_view unit);

// The nearest-rank percentile (0 < p <= 100) of `values`: the smallest value with at least
// p % of the values at or below it. Undefined for an empty set: callers check first.
[[nodiscard]] double percentile(std::vector<double> values, double p);

}  // namespace rfneedle::bench
