// Delivers outbox messages to a sink from its own thread: per key, in order
// (a failing message holds back the later ones of its key, not the others);
// each failure waits 2^attempts × base (capped) before the next try; after
// `max_attempts` the message is parked as dead. The store is never locked
// while the sink is called. Thread-safe.
#ifndef ENT_WORKFLOW_OUTBOX_OUTBOX_DISPATCHER_H_
#define ENT_WORKFLOW_OUTBOX_OUTBOX_DISPATCHER_H_

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/log_sink.h"
#include "workflow/outbox/outbox.h"

namespace ent::workflow {

class OutboxDispatcher {
 public:
  struct Options {
    int batch = 100;
    int max_attempts = 20;
    absl::Duration base_backoff = absl::Seconds(1);
    absl::Duration max_backoff = absl::Minutes(10);
    // Upper bound on one sleep of real time (the clock may be simulated).
    absl::Duration max_sleep = absl::Seconds(5);
    // After a pass that found notices due but none deliverable here (another
    // instance dispatches; a dead notice holds its key back), the wait
    // before the next, doubling up to max_sleep: never a busy loop.
    absl::Duration idle_min = absl::Milliseconds(50);
  };

  OutboxDispatcher(OutboxStore& store, OutboxSink& sink, const Clock& clock, Options options)
      : store_(store), sink_(sink), clock_(clock), options_(options) {}
  ~OutboxDispatcher();

  void Start();
  void Stop();
  // New messages were committed.
  void Wake();

  // One pass: delivers what is deliverable now. Returns how many were
  // delivered. Used by the thread, and directly by tests.
  absl::StatusOr<int> DeliverOnce();

  // The wait before attempt number `attempts` + 1 after a failure.
  absl::Duration Backoff(int attempts) const;

 private:
  void Loop();
  void LogFailure(const OutboxMessage& m, const DeliveryOutcome& o);

  OutboxStore& store_;
  OutboxSink& sink_;
  const Clock& clock_;
  const Options options_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
  int last_batch_size_ = 0;  // of the last DeliverOnce (the thread's, or the caller's)
  LogRateLimiter failure_log_{10, absl::Minutes(1)};
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_OUTBOX_OUTBOX_DISPATCHER_H_
