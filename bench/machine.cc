#include "bench/machine.h"

#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace ent::bench {
namespace {

std::string FsTypeOf(const std::string& dir) {
  struct statfs s;
  if (statfs(dir.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs";
    case 0x858458f6: return "ramfs";
    case 0x794c7630: return "overlayfs";
    case 0x2fc12fc1: return "zfs";
    case 0x6969: return "nfs";
    default: return absl::StrFormat("0x%lx", static_cast<unsigned long>(s.f_type));
  }
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
    }
  }
  return "unknown";
}

}  // namespace

Machine ProbeMachine(const std::string& dir) {
  Machine m;
  m.cores = static_cast<int>(std::thread::hardware_concurrency());
  m.cpu_model = CpuModel();
  struct utsname u;
  if (uname(&u) == 0) m.kernel = absl::StrFormat("%s %s", u.sysname, u.release);
  m.fs_type = FsTypeOf(dir);
#ifdef ENT_BENCH_ALLOCATOR
  m.allocator = ENT_BENCH_ALLOCATOR;
#else
  m.allocator = "glibc malloc";
#endif
  const std::string path = dir + "/fsync-probe";
  const int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd >= 0) {
    const std::string block(4096, 'x');
    const absl::Time begin = absl::Now();
    while (absl::Now() - begin < absl::Seconds(1)) {
      if (pwrite(fd, block.data(), block.size(), (m.fsync_samples % 256) * 4096) < 0) break;
      if (fdatasync(fd) != 0) break;
      ++m.fsync_samples;
    }
    if (m.fsync_samples > 0) {
      m.fsync_us = absl::ToDoubleMicroseconds(absl::Now() - begin) / m.fsync_samples;
    }
    close(fd);
    unlink(path.c_str());
  }
  return m;
}

bool FsyncIsFree(const Machine& m) { return m.fs_type == "tmpfs" || m.fs_type == "ramfs"; }

std::string Describe(const Machine& m) {
  return absl::StrFormat("%d cores (%s), %s; data on %s, 4 KiB write + fdatasync %.0f µs; %s",
                         m.cores, m.cpu_model, m.kernel, m.fs_type, m.fsync_us, m.allocator);
}

}  // namespace ent::bench
