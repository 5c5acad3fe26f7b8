// billing-service's business gauges, read at each scrape from the
// billing_totals table its triggers keep (one row per school year):
//   ent_titres_issued{school_year}, ent_titres_issued_euros{school_year},
//   ent_titres_paid_euros, ent_titres_corrected_euros,
//   ent_titres_outstanding_euros (issued − corrected − paid).
#ifndef ENT_BILLING_STORE_STORE_METRICS_H_
#define ENT_BILLING_STORE_STORE_METRICS_H_

#include <memory>

#include <prometheus/collectable.h>

#include "billing-service/store/billing_store.h"

namespace ent::billing {

// Reads through `store` (either backend) at each scrape.
std::shared_ptr<prometheus::Collectable> BillingTotalsCollector(BillingStore& store);

}  // namespace ent::billing

#endif  // ENT_BILLING_STORE_STORE_METRICS_H_
