// Retention of what only served its time (stored answers of requests, fired
// timers, delivered notices): a thread that, every `interval` of real time,
// prunes what is older than `keep` on the service's clock, in chunks of
// `chunk` rows per transaction so that the single writer is never held long.
// History, conventions, disputes, titres and payments are never pruned.
// Thread-safe.
#ifndef ENT_COMMON_RETENTION_H_
#define ENT_COMMON_RETENTION_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace ent {

class RetentionPruner {
 public:
  // Deletes at most `limit` rows older than `cutoff` in one transaction and
  // returns how many (blocking until durable).
  using Prune = std::function<absl::StatusOr<int64_t>(absl::Time cutoff, int limit)>;

  RetentionPruner(const Clock& clock, absl::Duration keep, absl::Duration interval, Prune prune,
                  int chunk = 1000);
  ~RetentionPruner();  // Stops the thread.

  void Start();
  void Stop();
  // One pass now: prunes chunk after chunk until nothing old is left; returns
  // how many rows were deleted.
  absl::StatusOr<int64_t> PruneNow();

 private:
  void Loop();

  const Clock& clock_;
  const absl::Duration keep_;
  const absl::Duration interval_;
  const Prune prune_;
  const int chunk_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ent

#endif  // ENT_COMMON_RETENTION_H_
