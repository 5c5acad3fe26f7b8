#include "common/retention.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log_sink.h"

namespace ent {

RetentionPruner::RetentionPruner(const Clock& clock, absl::Duration keep, absl::Duration interval,
                                 Prune prune, int chunk)
    : clock_(clock), keep_(keep), interval_(interval), prune_(std::move(prune)), chunk_(chunk) {}

RetentionPruner::~RetentionPruner() { Stop(); }

void RetentionPruner::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RetentionPruner::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int64_t> RetentionPruner::PruneNow() {
  const absl::Time cutoff = clock_.Now() - keep_;
  int64_t total = 0;
  while (true) {
    absl::StatusOr<int64_t> pruned = prune_(cutoff, chunk_);
    if (!pruned.ok()) return pruned.status();
    total += *pruned;
    if (*pruned == 0) return total;
    absl::MutexLock lock(&mu_);
    if (stopping_) return total;
  }
}

void RetentionPruner::Loop() {
  while (true) {
    absl::StatusOr<int64_t> pruned = PruneNow();
    if (!pruned.ok() || *pruned > 0) {
      if (pruned.ok()) {
        LogLine("info", "retention_pruned").Add("rows", *pruned).Write();
      } else {
        LogLine("warn", "retention_failed").Add("error", pruned.status().ToString()).Write();
      }
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
  }
}

}  // namespace ent
