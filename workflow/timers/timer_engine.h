// Fires durable timers when they fall due. The host supplies FireDue, which
// in ONE transaction takes the timers due at an instant, applies their effects
// and marks them fired, each timer on its own (one that fails is undone alone,
// counted, retried later with backoff and parked after its last attempt,
// while the others fire); the engine decides when to call it:
//  - on a real clock, a thread sleeps until the next due time, or until
//    Wake() says a timer was scheduled (by this process, or - the host's
//    listener - by another one), and never longer than `poll`: the safety net
//    for timers that no wake-up announces (another instance that died before
//    its commit was heard, a row restored or written by a tool). Overdue
//    timers fire at start-up; due timers fire in bounded batches. A pass that
//    finds timers due but takes none (another instance holds them: SKIP
//    LOCKED) backs off, doubling from `contended_min` to `contended_max`,
//    instead of spinning;
//  - on a simulated clock, AdvanceTo() moves time forward and fires every
//    timer on the way, in order, with the clock set to each one's due time;
//    the thread only fires what is due at the clock's instant when woken (no
//    poll, no backoff: AdvanceTo drives).
// Health() says whether this engine works - its thread runs, its passes
// succeed and end, and it wakes when it said it would - whatever other
// instances do with the shared table (their overdue timers are a metric,
// not this instance's health). Thread-safe.
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
    // With a simulated clock the thread only fires what is overdue when woken
    // (or polled); time moves through AdvanceTo.
    bool simulated = false;
    absl::Duration retry_after_error = absl::Seconds(1);
    // The longest sleep between passes, in real time (infinite: only due
    // times and Wake() end a sleep - enough when one process owns the
    // timers).
    absl::Duration poll = absl::InfiniteDuration();
    // Waits after a pass that found due timers all held elsewhere.
    absl::Duration contended_min = absl::Milliseconds(50);
    absl::Duration contended_max = absl::Seconds(1);
  };

  // What the engine is doing, in real time (absl::Now()).
  struct Activity {
    bool running = false;                  // the thread is started and not stopped
    std::optional<absl::Time> pass_since;  // a pass is under way since then
    absl::Time last_pass_end;              // InfinitePast before the first
    std::optional<absl::Time> failing_since;  // passes have failed since then
    absl::Status last_error;
    absl::Time next_pass_by = absl::InfiniteFuture();  // when the thread will look again at the latest
    int64_t passes = 0;
    int64_t contended_passes = 0;  // passes that found due timers held elsewhere
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
  Activity activity() const;
  // OK while the engine works: started; no pass under way for longer than
  // `limit`; its transactions (the thread's and AdvanceTo's) not failing for
  // longer than `limit`; and the thread not more than `limit` late for the
  // pass it said it would make. UNAVAILABLE otherwise, saying which. For the
  // "ent.workflow" health check.
  absl::Status Health(absl::Duration limit) const;

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
  Activity activity_ ABSL_GUARDED_BY(mu_);
  absl::Mutex advance_mu_;  // one AdvanceTo at a time
  std::thread thread_;
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_TIMERS_TIMER_ENGINE_H_
