#include "workflow/workflow_metrics.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/metrics/metrics.h"

namespace ent::workflow {

std::shared_ptr<prometheus::Collectable> WorkflowCollector(sqlite::Database& db, const Clock& clock) {
  return std::make_shared<FunctionCollectable>([&db, &clock] {
    const int64_t now_us = absl::ToUnixMicros(clock.Now());
    std::map<std::string, double> pending_by_kind;
    std::map<std::string, double> next_due_by_kind;  // seconds from now (negative: overdue)
    double overdue = 0, lag_seconds = 0, failed = 0, outbox_pending = 0, outbox_dead = 0;
    double oldest_pending_age = 0;
    db.ReadNow([&](sqlite::Connection& conn) {
      if (auto s = conn.Prepare("SELECT kind, count(*), min(due_us) FROM workflow_timers "
                                "WHERE state = 0 GROUP BY kind");
          s.ok()) {
        while (s->Step().value_or(false)) {
          pending_by_kind[s->ColumnText(0)] = static_cast<double>(s->ColumnInt64(1));
          next_due_by_kind[s->ColumnText(0)] = (s->ColumnInt64(2) - now_us) / 1e6;
        }
      }
      if (auto s = conn.Prepare("SELECT count(*), min(next_us) FROM workflow_timers "
                                "WHERE state = 0 AND next_us <= ?1");
          s.ok()) {
        s->Bind(1, now_us);
        if (s->Step().value_or(false)) {
          overdue = static_cast<double>(s->ColumnInt64(0));
          if (!s->ColumnIsNull(1)) lag_seconds = (now_us - s->ColumnInt64(1)) / 1e6;
        }
      }
      if (auto s = conn.Prepare("SELECT count(*) FROM workflow_timers WHERE state = 3"); s.ok()) {
        if (s->Step().value_or(false)) failed = static_cast<double>(s->ColumnInt64(0));
      }
      if (auto s = conn.Prepare("SELECT state, count(*), min(created_us) FROM workflow_outbox "
                                "WHERE state IN (0, 2) GROUP BY state");
          s.ok()) {
        while (s->Step().value_or(false)) {
          if (s->ColumnInt64(0) == 0) {
            outbox_pending = static_cast<double>(s->ColumnInt64(1));
            oldest_pending_age = std::max(0.0, (now_us - s->ColumnInt64(2)) / 1e6);
          } else {
            outbox_dead = static_cast<double>(s->ColumnInt64(1));
          }
        }
      }
    });
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

std::function<absl::Status()> TimerEngineProbe(sqlite::Database& db, const Clock& clock,
                                               absl::Duration limit) {
  auto overdue_since = std::make_shared<absl::Time>(absl::InfiniteFuture());
  return [&db, &clock, limit, overdue_since]() -> absl::Status {
    int64_t overdue = 0;
    const int64_t now_us = absl::ToUnixMicros(clock.Now());
    db.ReadNow([&](sqlite::Connection& conn) {
      auto s = conn.Prepare("SELECT count(*) FROM workflow_timers WHERE state = 0 AND next_us <= ?1");
      if (!s.ok()) return;
      s->Bind(1, now_us);
      if (s->Step().value_or(false)) overdue = s->ColumnInt64(0);
    });
    if (overdue == 0) {
      *overdue_since = absl::InfiniteFuture();
      return absl::OkStatus();
    }
    const absl::Time now = absl::Now();
    if (*overdue_since == absl::InfiniteFuture()) *overdue_since = now;
    if (now - *overdue_since <= limit) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat(
        overdue, " timer(s) due and not fired for ", absl::FormatDuration(now - *overdue_since),
        ": the timer engine is stuck (see the log; entctl timers list --failed)"));
  };
}

}  // namespace ent::workflow
