#include "workflow/sqlite/sqlite_workflow_stats.h"

#include "absl/strings/str_replace.h"
#include "workflow/workflow_stats_queries.h"

namespace ent::workflow {

using namespace stats_queries;  // NOLINT: the shared statements

WorkflowStatsReader SqliteWorkflowStats(sqlite::Database& db) {
  return [&db](absl::Time now) -> absl::StatusOr<WorkflowStats> {
    WorkflowStats stats;
    absl::Status status;
    db.ReadNow([&](sqlite::Connection& conn) {
      auto q = [&](const char* sql) { return conn.Prepare(absl::StrReplaceAll(sql, {{"$1", "?1"}})); };
      auto by_kind = q(kPendingByKind);
      if (!by_kind.ok()) return void(status = by_kind.status());
      while (by_kind->Step().value_or(false)) {
        stats.pending_by_kind[by_kind->ColumnText(0)] = {by_kind->ColumnInt64(1),
                                                          absl::FromUnixMicros(by_kind->ColumnInt64(2))};
      }
      auto overdue = q(kOverdue);
      if (!overdue.ok()) return void(status = overdue.status());
      overdue->Bind(1, absl::ToUnixMicros(now));
      if (overdue->Step().value_or(false)) {
        stats.overdue = overdue->ColumnInt64(0);
        if (!overdue->ColumnIsNull(1)) stats.most_overdue = absl::FromUnixMicros(overdue->ColumnInt64(1));
      }
      auto failed = q(kFailed);
      if (!failed.ok()) return void(status = failed.status());
      if (failed->Step().value_or(false)) stats.failed = failed->ColumnInt64(0);
      auto outbox = q(kOutbox);
      if (!outbox.ok()) return void(status = outbox.status());
      while (outbox->Step().value_or(false)) {
        AddOutboxRow(stats, outbox->ColumnInt64(0), outbox->ColumnInt64(1), outbox->ColumnInt64(2));
      }
    });
    if (!status.ok()) return status;
    return stats;
  };
}

}  // namespace ent::workflow
