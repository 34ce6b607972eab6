#include "tests/bench/device/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rfneedle::bench {

void print_figure(std::string_view name, double value, std::string_view unit) {
  std::printf("BENCH %.*s %.6g %.*s\n", static_cast<int>(name.size()), name.data(), value,
              static_cast<int>(unit.size()), unit.data());
  std::fflush(stdout);
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

}  // namespace rfneedle::bench
