// The statements both backends run for WorkflowStats ($n placeholders;
// SQLite reads ?n), and how an outbox row of them is counted. Included by
// workflow/sqlite and workflow/postgres only.
#ifndef ENT_WORKFLOW_WORKFLOW_STATS_QUERIES_H_
#define ENT_WORKFLOW_WORKFLOW_STATS_QUERIES_H_

#include <cstdint>

#include "workflow/workflow_metrics.h"

namespace ent::workflow::stats_queries {

inline constexpr char kPendingByKind[] =
    "SELECT kind, count(*), min(due_us) FROM workflow_timers WHERE state = 0 GROUP BY kind";
inline constexpr char kOverdue[] =
    "SELECT count(*), min(next_us) FROM workflow_timers WHERE state = 0 AND next_us <= $1";
inline constexpr char kFailed[] = "SELECT count(*) FROM workflow_timers WHERE state = 3";
inline constexpr char kOutbox[] =
    "SELECT state, count(*), min(created_us) FROM workflow_outbox WHERE state IN (0, 2) GROUP BY state";

inline void AddOutboxRow(WorkflowStats& stats, int64_t state, int64_t count, int64_t oldest_us) {
  if (state == 0) {
    stats.outbox_pending = count;
    stats.oldest_pending = absl::FromUnixMicros(oldest_us);
  } else {
    stats.outbox_dead = count;
  }
}

}  // namespace ent::workflow::stats_queries

#endif  // ENT_WORKFLOW_WORKFLOW_STATS_QUERIES_H_
