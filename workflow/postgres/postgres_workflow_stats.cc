#include "workflow/postgres/postgres_workflow_stats.h"

#include "absl/strings/str_replace.h"
#include "workflow/workflow_stats_queries.h"

namespace ent::workflow {

using namespace stats_queries;  // NOLINT: the shared statements

WorkflowStatsReader PostgresWorkflowStats(postgres::Database& db) {
  return [&db](absl::Time now) -> absl::StatusOr<WorkflowStats> {
    WorkflowStats stats;
    absl::Status status;
    db.ReadNow([&](postgres::Connection& conn) {
      auto by_kind = conn.Query(kPendingByKind);
      if (!by_kind.ok()) return void(status = by_kind.status());
      for (int i = 0; i < by_kind->rows(); ++i) {
        stats.pending_by_kind[by_kind->Text(i, 0)] = {by_kind->Int(i, 1),
                                                       absl::FromUnixMicros(by_kind->Int(i, 2))};
      }
      auto overdue = conn.Query(kOverdue, postgres::Params().Int(absl::ToUnixMicros(now)));
      if (!overdue.ok()) return void(status = overdue.status());
      stats.overdue = overdue->Int(0, 0);
      if (!overdue->IsNull(0, 1)) stats.most_overdue = absl::FromUnixMicros(overdue->Int(0, 1));
      auto failed = conn.Query(kFailed);
      if (!failed.ok()) return void(status = failed.status());
      stats.failed = failed->Int(0, 0);
      auto outbox = conn.Query(kOutbox);
      if (!outbox.ok()) return void(status = outbox.status());
      for (int i = 0; i < outbox->rows(); ++i) {
        AddOutboxRow(stats, outbox->Int(i, 0), outbox->Int(i, 1), outbox->Int(i, 2));
      }
    });
    if (!status.ok()) return status;
    return stats;
  };
}

}  // namespace ent::workflow
