#include "billing-service/store/store_metrics.h"

#include "common/metrics/metrics.h"

namespace ent::billing {

std::shared_ptr<prometheus::Collectable> BillingTotalsCollector(BillingStore& store) {
  return std::make_shared<FunctionCollectable>([&store] {
    std::vector<std::pair<prometheus::Labels, double>> titres, issued, paid, corrected, outstanding;
    auto totals = store.ReadValue<std::vector<SchoolYearTotals>>(
        [](BillingReader& r) { return r.Totals(); });
    for (const SchoolYearTotals& t : totals.value_or(std::vector<SchoolYearTotals>())) {
      const prometheus::Labels year{{"school_year", t.school_year}};
      titres.push_back({year, static_cast<double>(t.titres)});
      issued.push_back({year, t.issued_cents / 100.0});
      paid.push_back({year, t.paid_cents / 100.0});
      corrected.push_back({year, t.corrected_cents / 100.0});
      outstanding.push_back({year, (t.issued_cents - t.corrected_cents - t.paid_cents) / 100.0});
    }
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
