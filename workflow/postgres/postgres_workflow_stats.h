// WorkflowStats read from the workflow's tables on PostgreSQL
// (each query a range of an index over the unfinished rows only).
#ifndef ENT_WORKFLOW_POSTGRES_POSTGRES_WORKFLOW_STATS_H_
#define ENT_WORKFLOW_POSTGRES_POSTGRES_WORKFLOW_STATS_H_

#include "common/postgres/database.h"
#include "workflow/workflow_metrics.h"

namespace ent::workflow {

// `db` outlives the reader. Reads on the calling thread (ReadNow).
WorkflowStatsReader PostgresWorkflowStats(postgres::Database& db);

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_POSTGRES_POSTGRES_WORKFLOW_STATS_H_
