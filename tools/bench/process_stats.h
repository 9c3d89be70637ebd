// What a benchmark reads about a process while it measures: CPU time and resident memory,
// from /proc.
#pragma once

namespace xacoord::bench {

// utime + stime of a process so far, in seconds; 0 if it cannot be read.
double cpu_seconds(int pid);
// Resident memory of a process now (VmRSS), in MiB; -1 if it cannot be read.
double rss_mib(int pid);

}  // namespace xacoord::bench
