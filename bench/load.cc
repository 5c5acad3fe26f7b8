#include "bench/load.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace ent::bench {
namespace {

struct State {
  const StartCall* start_call;
  std::function<bool()> finished;
  absl::Time deadline;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int> active{0};
  absl::Mutex mu;
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
  absl::Notification all_done;

  void Launch() {
    if (finished && finished()) {
      if (active.fetch_sub(1) == 1) all_done.Notify();
      return;
    }
    const int64_t i = next.fetch_add(1);
    const absl::Time started = absl::Now();
    (*start_call)(i, [this, started](bool ok) {
      const absl::Time now = absl::Now();
      if (!ok) errors++;
      {
        absl::MutexLock lock(&mu);
        latencies_ms.push_back(absl::ToDoubleMilliseconds(now - started));
      }
      if (now < deadline) {
        Launch();
      } else if (active.fetch_sub(1) == 1) {
        all_done.Notify();
      }
    });
  }
};

}  // namespace

LoadResult RunClosedLoop(int concurrency, absl::Duration duration, const StartCall& start_call,
                         std::function<bool()> finished) {
  auto state = std::make_unique<State>();
  state->start_call = &start_call;
  state->finished = std::move(finished);
  const absl::Time begin = absl::Now();
  state->deadline = begin + duration;
  state->active = concurrency;
  for (int i = 0; i < concurrency; ++i) state->Launch();
  state->all_done.WaitForNotification();
  const absl::Time end = absl::Now();

  LoadResult r;
  absl::MutexLock lock(&state->mu);
  auto& lat = state->latencies_ms;
  r.calls = static_cast<int64_t>(lat.size());
  r.errors = state->errors.load();
  r.seconds = absl::ToDoubleSeconds(end - begin);
  if (!lat.empty()) {
    std::sort(lat.begin(), lat.end());
    r.p50_ms = lat[lat.size() / 2];
    r.p99_ms = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  }
  return r;
}

std::string Describe(const LoadResult& r) {
  return absl::StrFormat("%9.0f calls/s  p50 %6.3f ms  p99 %6.3f ms  (%d calls, %d errors)",
                         r.rate(), r.p50_ms, r.p99_ms, r.calls, r.errors);
}

}  // namespace ent::bench
