#include "workflow/workflow_metrics.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/metrics/metrics.h"

namespace ent::workflow {

namespace {

// The statements, in both dialects ($n placeholders; SQLite reads ?n).
constexpr char kPendingByKind[] =
    "SELECT kind, count(*), min(due_us) FROM workflow_timers WHERE state = 0 GROUP BY kind";
constexpr char kOverdue[] =
    "SELECT count(*), min(next_us) FROM workflow_timers WHERE state = 0 AND next_us <= $1";
constexpr char kFailed[] = "SELECT count(*) FROM workflow_timers WHERE state = 3";
constexpr char kOutbox[] =
    "SELECT state, count(*), min(created_us) FROM workflow_outbox WHERE state IN (0, 2) GROUP BY state";

void AddOutboxRow(WorkflowStats& stats, int64_t state, int64_t count, int64_t oldest_us) {
  if (state == 0) {
    stats.outbox_pending = count;
    stats.oldest_pending = absl::FromUnixMicros(oldest_us);
  } else {
    stats.outbox_dead = count;
  }
}

}  // namespace

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

std::shared_ptr<prometheus::Collectable> WorkflowCollector(WorkflowStatsReader read, const Clock& clock) {
  return std::make_shared<FunctionCollectable>([read = std::move(read), &clock] {
    const absl::Time now = clock.Now();
    std::map<std::string, double> pending_by_kind;
    std::map<std::string, double> next_due_by_kind;  // seconds from now (negative: overdue)
    double overdue = 0, lag_seconds = 0, failed = 0, outbox_pending = 0, outbox_dead = 0;
    double oldest_pending_age = 0;
    if (auto stats = read(now); stats.ok()) {
      for (const auto& [kind, k] : stats->pending_by_kind) {
        pending_by_kind[kind] = static_cast<double>(k.pending);
        next_due_by_kind[kind] = absl::ToDoubleSeconds(k.earliest_due - now);
      }
      overdue = static_cast<double>(stats->overdue);
      if (stats->most_overdue) lag_seconds = absl::ToDoubleSeconds(now - *stats->most_overdue);
      failed = static_cast<double>(stats->failed);
      outbox_pending = static_cast<double>(stats->outbox_pending);
      outbox_dead = static_cast<double>(stats->outbox_dead);
      if (stats->oldest_pending) {
        oldest_pending_age = std::max(0.0, absl::ToDoubleSeconds(now - *stats->oldest_pending));
      }
    }
    std::vector<std::pair<prometheus::Labels, double>> pending, next_due;
    for (const auto& [kind, n] : pending_by_kind) pending.push_back({{{"kind", kind}}, n});
    for (const auto& [kind, seconds] : next_due_by_kind) next_due.push_back({{{"kind", kind}}, seconds});
    return std::vector<prometheus::MetricFamily>{
        GaugeFamily("ent_workflow_timers_pending", "Durable timers waiting to fire, by kind.", pending),
        GaugeFamily("ent_workflow_next_due_seconds",
                    "Seconds until the soonest pending timer of each kind falls due (a legal "
                    "deadline for dispute.* kinds); negative when overdue.",
                    next_due),
        GaugeFamily("ent_workflow_timers_overdue", "Pending timers whose time has come.", {{{}, overdue}}),
        GaugeFamily("ent_workflow_timer_lag_seconds",
                    "How late the most overdue pending timer is (0 when none is).", {{{}, lag_seconds}}),
        GaugeFamily("ent_workflow_timers_failed", "Timers parked after their last attempt.", {{{}, failed}}),
        GaugeFamily("ent_outbox_pending", "Notices for billing-service not delivered yet.",
                    {{{}, outbox_pending}}),
        GaugeFamily("ent_outbox_dead", "Notices parked after their last delivery attempt.",
                    {{{}, outbox_dead}}),
        GaugeFamily("ent_outbox_oldest_pending_age_seconds",
                    "Age of the oldest notice not delivered yet (0 when none).", {{{}, oldest_pending_age}}),
    };
  });
}

}  // namespace ent::workflow
