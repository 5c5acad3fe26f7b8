#include "convention-service/store/store_metrics.h"

#include "absl/strings/ascii.h"
#include "common/metrics/metrics.h"
#include "convention-service/domain/convention.h"
#include "convention-service/domain/dispute.h"

namespace ent::convention {

namespace {

struct StateCount {
  std::string entity;
  int state = 0;
  int64_t n = 0;
};
// One row per state on SQLite; on PostgreSQL the appended changes, summed.
constexpr char kStateCounts[] =
    "SELECT entity, state, sum(n) FROM state_counts GROUP BY entity, state ORDER BY entity, state";

std::shared_ptr<prometheus::Collectable> Collector(std::function<std::vector<StateCount>()> read) {
  return std::make_shared<FunctionCollectable>([read = std::move(read)] {
    std::vector<std::pair<prometheus::Labels, double>> conventions, disputes;
    for (const StateCount& c : read()) {
      const double n = static_cast<double>(c.n);
      if (c.entity == "convention") {
        conventions.push_back({{{"state", absl::AsciiStrToLower(StateName(static_cast<State>(c.state)))}}, n});
      } else {
        disputes.push_back(
            {{{"state", absl::AsciiStrToLower(DisputeStateName(static_cast<DisputeState>(c.state)))}}, n});
      }
    }
    return std::vector<prometheus::MetricFamily>{
        GaugeFamily("ent_conventions", "Conventions by state.", conventions),
        GaugeFamily("ent_disputes", "Article 8 disputes by state.", disputes)};
  });
}

}  // namespace

std::shared_ptr<prometheus::Collectable> ConventionStateCollector(sqlite::Database& db) {
  return Collector([&db] {
    std::vector<StateCount> out;
    db.ReadNow([&](sqlite::Connection& conn) {
      auto s = conn.Prepare(kStateCounts);
      if (!s.ok()) return;
      while (s->Step().value_or(false)) {
        out.push_back({s->ColumnText(0), static_cast<int>(s->ColumnInt64(1)), s->ColumnInt64(2)});
      }
    });
    return out;
  });
}

std::shared_ptr<prometheus::Collectable> ConventionStateCollector(postgres::Database& db) {
  return Collector([&db] {
    std::vector<StateCount> out;
    db.ReadNow([&](postgres::Connection& conn) {
      auto r = conn.Query(kStateCounts);
      if (!r.ok()) return;
      for (int i = 0; i < r->rows(); ++i) {
        out.push_back({r->Text(i, 0), static_cast<int>(r->Int(i, 1)), r->Int(i, 2)});
      }
    });
    return out;
  });
}

}  // namespace ent::convention
