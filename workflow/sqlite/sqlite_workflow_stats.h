// WorkflowStats read from the workflow's tables on SQLite
// (each query a range of an index over the unfinished rows only).
#ifndef ENT_WORKFLOW_SQLITE_SQLITE_WORKFLOW_STATS_H_
#define ENT_WORKFLOW_SQLITE_SQLITE_WORKFLOW_STATS_H_

#include "common/sqlite/database.h"
#include "workflow/workflow_metrics.h"

namespace ent::workflow {

// `db` outlives the reader. Reads on the calling thread (ReadNow).
WorkflowStatsReader SqliteWorkflowStats(sqlite::Database& db);

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_SQLITE_SQLITE_WORKFLOW_STATS_H_
