// The workflow's metrics, read from its tables at each scrape (each query a
// range of an index over the unfinished rows only, never the fired or
// delivered history):
//   ent_workflow_timers_pending{kind}, ent_workflow_next_due_seconds{kind},
//   ent_workflow_timers_overdue,
//   ent_workflow_timer_lag_seconds (how late the most overdue timer is),
//   ent_workflow_timers_failed (parked), ent_outbox_pending, ent_outbox_dead,
//   ent_outbox_oldest_pending_age_seconds.
// "Now" is the host's clock (simulated in tests and demos).
#ifndef ENT_WORKFLOW_WORKFLOW_METRICS_H_
#define ENT_WORKFLOW_WORKFLOW_METRICS_H_

#include <functional>
#include <memory>

#include <prometheus/collectable.h>

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"

namespace ent::workflow {

// What the metrics and the probe read, at `now`, from either backend.
struct WorkflowStats {
  struct Kind {
    int64_t pending = 0;
    absl::Time earliest_due;
  };
  std::map<std::string, Kind> pending_by_kind;
  int64_t overdue = 0;                        // pending, next attempt at or before now
  std::optional<absl::Time> most_overdue;     // the earliest such next attempt
  int64_t failed = 0;                         // parked
  int64_t outbox_pending = 0;
  std::optional<absl::Time> oldest_pending;   // created
  int64_t outbox_dead = 0;
};
// Read from the database at each scrape; one per backend
// (workflow/sqlite/sqlite_workflow_stats.h, workflow/postgres/...).
using WorkflowStatsReader = std::function<absl::StatusOr<WorkflowStats>(absl::Time now)>;

std::shared_ptr<prometheus::Collectable> WorkflowCollector(WorkflowStatsReader stats, const Clock& clock);

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_WORKFLOW_METRICS_H_
