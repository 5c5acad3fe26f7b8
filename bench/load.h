// Load generators for the benchmarks. Thread-safe.
//  - Closed loop: keeps `concurrency` calls in flight for a duration; each
//    completion starts the next call. Throughput, and latency at that depth.
//  - Open loop: sends at a fixed rate whatever the answers, each call's latency
//    counted from its *intended* send time, so a stall is charged to every call
//    that should have been sent during it (no coordinated omission).
// Only successful calls count as throughput or latency; failures are counted
// apart (a benchmark with failures is invalid, see Report::Fail).
#ifndef ENT_BENCH_LOAD_H_
#define ENT_BENCH_LOAD_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace ent::bench {

struct LoadResult {
  int64_t calls = 0;   // successful
  int64_t errors = 0;  // failed (or, open loop, not sent because too many were in flight)
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  std::string first_error;
  double rate() const { return seconds > 0 ? calls / seconds : 0; }
};

// `start_call(i, done)` must start call number i asynchronously and invoke
// `done(ok, error)` once when it completes.
using Done = std::function<void(bool ok, const std::string& error)>;
using StartCall = std::function<void(int64_t i, Done done)>;

// Runs until `duration` has passed, or until `finished` (when given) says so.
LoadResult RunClosedLoop(int concurrency, absl::Duration duration, const StartCall& start_call,
                         std::function<bool()> finished = nullptr);

// Sends `rate` calls per second for `duration` (at most `max_in_flight` at a
// time: beyond, a call is counted as an error rather than queued).
LoadResult RunOpenLoop(double rate, absl::Duration duration, const StartCall& start_call,
                       int max_in_flight = 20000);

// "12345 calls/s  p50 … p99 … p99.9 … max … (N calls, E errors)".
std::string Describe(const LoadResult& r);

}  // namespace ent::bench

#endif  // ENT_BENCH_LOAD_H_
