#include "workflow/workflow_metrics.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/metrics/metrics.h"

namespace ent::workflow {

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
