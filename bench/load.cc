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

// Latencies and errors of the calls of one run.
struct Samples {
  absl::Mutex mu;
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
  int64_t errors ABSL_GUARDED_BY(mu) = 0;
  std::string first_error ABSL_GUARDED_BY(mu);

  void Record(bool ok, const std::string& error, double ms) {
    absl::MutexLock lock(&mu);
    if (ok) {
      latencies_ms.push_back(ms);
    } else {
      if (errors++ == 0) first_error = error;
    }
  }

  LoadResult Result(absl::Duration elapsed) {
    LoadResult r;
    std::vector<double> lat;
    {
      absl::MutexLock lock(&mu);
      lat = std::move(latencies_ms);
      r.errors = errors;
      r.first_error = first_error;
    }
    r.calls = static_cast<int64_t>(lat.size());
    r.seconds = absl::ToDoubleSeconds(elapsed);
    if (!lat.empty()) {
      std::sort(lat.begin(), lat.end());
      auto at = [&lat](size_t per_mille) {
        return lat[std::min(lat.size() - 1, lat.size() * per_mille / 1000)];
      };
      r.p50_ms = at(500);
      r.p99_ms = at(990);
      r.p999_ms = at(999);
      r.max_ms = lat.back();
    }
    return r;
  }
};

struct ClosedLoop {
  const StartCall* start_call;
  std::function<bool()> finished;
  absl::Time deadline;
  std::atomic<int64_t> next{0};
  std::atomic<int> active{0};
  Samples samples;
  absl::Notification all_done;

  void Launch() {
    if (finished && finished()) {
      if (active.fetch_sub(1) == 1) all_done.Notify();
      return;
    }
    const int64_t i = next.fetch_add(1);
    const absl::Time started = absl::Now();
    (*start_call)(i, [this, started](bool ok, const std::string& error) {
      const absl::Time now = absl::Now();
      samples.Record(ok, error, absl::ToDoubleMilliseconds(now - started));
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
  auto state = std::make_unique<ClosedLoop>();
  state->start_call = &start_call;
  state->finished = std::move(finished);
  const absl::Time begin = absl::Now();
  state->deadline = begin + duration;
  state->active = concurrency;
  for (int i = 0; i < concurrency; ++i) state->Launch();
  state->all_done.WaitForNotification();
  return state->samples.Result(absl::Now() - begin);
}

LoadResult RunOpenLoop(double rate, absl::Duration duration, const StartCall& start_call,
                       int max_in_flight) {
  auto samples = std::make_shared<Samples>();
  auto in_flight = std::make_shared<std::atomic<int>>(0);
  auto all_done = std::make_shared<absl::Notification>();
  auto sending = std::make_shared<std::atomic<bool>>(true);
  const absl::Time begin = absl::Now();
  const absl::Duration interval = absl::Seconds(1) / rate;
  const int64_t total = static_cast<int64_t>(absl::ToDoubleSeconds(duration) * rate);
  for (int64_t i = 0; i < total; ++i) {
    const absl::Time intended = begin + interval * i;
    const absl::Duration wait = intended - absl::Now();
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    if (in_flight->load() >= max_in_flight) {
      samples->Record(false, "too many calls in flight (the target fell behind)", 0);
      continue;
    }
    in_flight->fetch_add(1);
    start_call(i, [samples, in_flight, all_done, sending, intended](bool ok,
                                                                     const std::string& error) {
      samples->Record(ok, error, absl::ToDoubleMilliseconds(absl::Now() - intended));
      if (in_flight->fetch_sub(1) == 1 && !sending->load()) all_done->Notify();
    });
  }
  sending->store(false);
  if (in_flight->load() > 0) {
    // The last completion may have run before `sending` was cleared: poll.
    while (in_flight->load() > 0 && !all_done->WaitForNotificationWithTimeout(absl::Milliseconds(10))) {
    }
  }
  return samples->Result(absl::Now() - begin);
}

std::string Describe(const LoadResult& r) {
  return absl::StrFormat(
      "%9.0f calls/s  p50 %7.3f  p99 %7.3f  p99.9 %7.3f  max %8.3f ms  (%d calls, %d errors)",
      r.rate(), r.p50_ms, r.p99_ms, r.p999_ms, r.max_ms, r.calls, r.errors);
}

}  // namespace ent::bench
