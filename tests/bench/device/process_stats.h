// What the kernel says a process uses: CPU time from /proc/<pid>/stat, resident memory
// from /proc/<pid>/status. For rfneedled_cpu_pct and rfneedled_rss_mib.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace rfneedle::bench {

// User plus system CPU time the process has used so far.
[[nodiscard]] std::chrono::microseconds cpu_time(pid_t pid);
// Its resident set (VmRSS) now, in MiB.
[[nodiscard]] double resident_mib(pid_t pid);
// The CPU it uses over `window`, in % of one core (200 % is both of two cores).
[[nodiscard]] double cpu_percent(pid_t pid, std::chrono::milliseconds window);

}  // namespace rfneedle::bench
