// Fires durable timers when they fall due. The host supplies FireDue, which
// in ONE transaction takes the timers due at an instant, applies their effects
// and marks them fired, each timer on its own (one that fails is undone alone,
// counted, retried later with backoff and parked after its last attempt,
// while the others fire); the engine decides when to call it:
//  - on a real clock, a thread sleeps until the next due time (no polling),
//    or until Wake() says an earlier timer was scheduled; overdue timers fire
//    at start-up; due timers fire in bounded batches;
//  - on a simulated clock, AdvanceTo() moves time forward and fires every
//    timer on the way, in order, with the clock set to each one's due time.
// Thread-safe.
#ifndef ENT_WORKFLOW_TIMERS_TIMER_ENGINE_H_
#define ENT_WORKFLOW_TIMERS_TIMER_ENGINE_H_

#include <functional>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace ent::workflow {

class TimerEngine {
 public:
  struct FireResult {
    int fired = 0;
    // Timers whose attempt failed: retried later on their own, or parked.
    int failed = 0;
    std::optional<absl::Time> next_due;  // earliest next attempt after the batch
  };
  // Blocks until the transaction committed.
  using FireDue = std::function<absl::StatusOr<FireResult>(absl::Time now, int limit)>;

  struct Options {
    int batch = 500;
    // With a simulated clock the thread only fires what is overdue when woken;
    // time moves through AdvanceTo.
    bool simulated = false;
    absl::Duration retry_after_error = absl::Seconds(1);
  };

  TimerEngine(const Clock& clock, FireDue fire_due, Options options);
  ~TimerEngine();  // Stops the thread.

  void Start();
  void Stop();
  // Something was scheduled or the clock moved: look again.
  void Wake();

  // Simulated clocks only: fires every timer due up to `target`, in due order,
  // setting `clock` to each due instant, then sets it to `target`. Returns the
  // number of timers fired.
  absl::StatusOr<int> AdvanceTo(ManualClock& clock, absl::Time target);

  int64_t fired_total() const;

 private:
  void Loop();
  // Fires everything due at `now`, batch after batch.
  absl::StatusOr<FireResult> FireAllDue(absl::Time now);

  const Clock& clock_;
  const FireDue fire_due_;
  const Options options_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  int64_t fired_total_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex advance_mu_;  // one AdvanceTo at a time
  std::thread thread_;
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_TIMERS_TIMER_ENGINE_H_
