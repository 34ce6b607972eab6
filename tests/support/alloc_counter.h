// Counts heap allocations made through global operator new, for benchmarks and tests
// that check a hot path allocates nothing in steady state. Linking
// rfneedle_alloc_counter replaces the global allocation functions of the program.
#pragma once

#include <cstdint>

namespace rfneedle::testing {

// Allocations made by this program so far (all threads).
[[nodiscard]] std::uint64_t allocation_count();

}  // namespace rfneedle::testing
