// What a benchmark ran on, printed beside its ratios so that they can be
// checked against other machines: cores, CPU model, kernel, the file system of
// the data directory and the time a 4 KiB write + fdatasync takes there.
#ifndef ENT_BENCH_MACHINE_H_
#define ENT_BENCH_MACHINE_H_

#include <string>

namespace ent::bench {

struct Machine {
  int cores = 0;
  std::string cpu_model;
  std::string kernel;
  std::string fs_type;     // of the data directory: "ext4", "xfs", "tmpfs", …
  double fsync_us = 0;     // mean of a 4 KiB write + fdatasync over about one second
  int64_t fsync_samples = 0;
  std::string allocator;   // of the services (and the echo server): what they link
};

// Probes the machine, writing its fsync probe file in `dir`.
Machine ProbeMachine(const std::string& dir);

// A file system whose fsync does nothing (tmpfs, ramfs): durable-write
// ratios measured there would be meaningless.
bool FsyncIsFree(const Machine& m);

std::string Describe(const Machine& m);

}  // namespace ent::bench

#endif  // ENT_BENCH_MACHINE_H_
