// What a process costs, read from /proc, and where it runs: CPU time (user +
// system, all threads), resident memory (now and peak), and pinning every
// thread of a process to a set of CPUs (sched_setaffinity).
#ifndef ENT_BENCH_PROC_STATS_H_
#define ENT_BENCH_PROC_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace ent::bench {

// User + system CPU time of `pid` so far, in microseconds (clock-tick
// resolution, 10 ms); -1 if it cannot be read.
int64_t CpuMicros(pid_t pid);
// Resident set size now (VmRSS) and at its peak (VmHWM), in KiB; -1 if unknown.
int64_t RssKib(pid_t pid);
int64_t PeakRssKib(pid_t pid);
// Pins every thread of `pid` (0: this process) to `cpus`. Threads created
// later inherit the mask of the thread that creates them.
absl::Status Pin(pid_t pid, const std::vector<int>& cpus);

}  // namespace ent::bench

#endif  // ENT_BENCH_PROC_STATS_H_
