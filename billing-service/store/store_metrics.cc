#include "billing-service/store/store_metrics.h"

#include "common/metrics/metrics.h"

namespace ent::billing {

std::shared_ptr<prometheus::Collectable> BillingTotalsCollector(sqlite::Database& db) {
  return std::make_shared<FunctionCollectable>([&db] {
    std::vector<std::pair<prometheus::Labels, double>> titres, issued, paid, corrected, outstanding;
    db.ReadNow([&](sqlite::Connection& conn) {
      auto s = conn.Prepare("SELECT school_year, titres, issued_cents, paid_cents, corrected_cents "
                            "FROM billing_totals ORDER BY school_year");
      if (!s.ok()) return;
      while (s->Step().value_or(false)) {
        const prometheus::Labels year{{"school_year", s->ColumnText(0)}};
        titres.push_back({year, static_cast<double>(s->ColumnInt64(1))});
        issued.push_back({year, s->ColumnInt64(2) / 100.0});
        paid.push_back({year, s->ColumnInt64(3) / 100.0});
        corrected.push_back({year, s->ColumnInt64(4) / 100.0});
        outstanding.push_back(
            {year, (s->ColumnInt64(2) - s->ColumnInt64(4) - s->ColumnInt64(3)) / 100.0});
      }
    });
    return std::vector<prometheus::MetricFamily>{
        GaugeFamily("ent_titres_issued", "Titres de perception issued, by school year.", titres),
        GaugeFamily("ent_titres_issued_euros", "Amount of the titres issued (euros TTC).", issued),
        GaugeFamily("ent_titres_paid_euros", "Payments recorded against them (euros).", paid),
        GaugeFamily("ent_titres_corrected_euros", "Réductions and annulations (euros).", corrected),
        GaugeFamily("ent_titres_outstanding_euros", "Still due: issued − corrected − paid (euros).",
                    outstanding)};
  });
}

}  // namespace ent::billing
