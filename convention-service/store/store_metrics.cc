#include "convention-service/store/store_metrics.h"

#include "absl/strings/ascii.h"
#include "common/metrics/metrics.h"
#include "convention-service/domain/convention.h"
#include "convention-service/domain/dispute.h"

namespace ent::convention {

std::shared_ptr<prometheus::Collectable> ConventionStateCollector(sqlite::Database& db) {
  return std::make_shared<FunctionCollectable>([&db] {
    std::vector<std::pair<prometheus::Labels, double>> conventions, disputes;
    db.ReadNow([&](sqlite::Connection& conn) {
      auto s = conn.Prepare("SELECT entity, state, n FROM state_counts ORDER BY entity, state");
      if (!s.ok()) return;
      while (s->Step().value_or(false)) {
        const std::string entity = s->ColumnText(0);
        const int state = static_cast<int>(s->ColumnInt64(1));
        const double n = static_cast<double>(s->ColumnInt64(2));
        if (entity == "convention") {
          conventions.push_back(
              {{{"state", absl::AsciiStrToLower(StateName(static_cast<State>(state)))}}, n});
        } else {
          disputes.push_back(
              {{{"state", absl::AsciiStrToLower(DisputeStateName(static_cast<DisputeState>(state)))}}, n});
        }
      }
    });
    return std::vector<prometheus::MetricFamily>{
        GaugeFamily("ent_conventions", "Conventions by state.", conventions),
        GaugeFamily("ent_disputes", "Article 8 disputes by state.", disputes)};
  });
}

}  // namespace ent::convention
