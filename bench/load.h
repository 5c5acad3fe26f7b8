// Closed-loop load generator: keeps `concurrency` calls in flight for
// `duration` and records each call's latency. Thread-safe.
#ifndef ENT_BENCH_LOAD_H_
#define ENT_BENCH_LOAD_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace ent::bench {

struct LoadResult {
  int64_t calls = 0;
  int64_t errors = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double rate() const { return seconds > 0 ? calls / seconds : 0; }
};

// `start_call(i, done)` must start call number i asynchronously and invoke
// `done(ok)` once when it completes.
using StartCall = std::function<void(int64_t i, std::function<void(bool ok)> done)>;

// Runs until `duration` has passed, or until `finished` (when given) says so.
LoadResult RunClosedLoop(int concurrency, absl::Duration duration, const StartCall& start_call,
                         std::function<bool()> finished = nullptr);

std::string Describe(const LoadResult& r);

}  // namespace ent::bench

#endif  // ENT_BENCH_LOAD_H_
