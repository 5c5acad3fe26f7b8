// convention-service's business gauges, read at each scrape through the
// store (ConventionReader::CountStates: the state_counts table its triggers
// keep, never the tables), on either backend:
//   ent_conventions{state="active"}, ent_disputes{state="awaiting_conciliation"}.
#ifndef ENT_CONVENTION_STORE_STORE_METRICS_H_
#define ENT_CONVENTION_STORE_STORE_METRICS_H_

#include <memory>

#include <prometheus/collectable.h>

#include "convention-service/store/convention_store.h"

namespace ent::convention {

// `store` outlives the collector.
std::shared_ptr<prometheus::Collectable> ConventionStateCollector(ConventionStore& store);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_STORE_METRICS_H_
