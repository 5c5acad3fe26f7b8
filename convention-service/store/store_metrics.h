// convention-service's business gauges, read at each scrape from the
// state_counts table its triggers keep (a few rows on SQLite; on PostgreSQL
// the changes since retention last folded them; never the tables):
//   ent_conventions{state="active"}, ent_disputes{state="awaiting_conciliation"}.
#ifndef ENT_CONVENTION_STORE_STORE_METRICS_H_
#define ENT_CONVENTION_STORE_STORE_METRICS_H_

#include <memory>

#include <prometheus/collectable.h>

#include "common/postgres/database.h"
#include "common/sqlite/database.h"

namespace ent::convention {

std::shared_ptr<prometheus::Collectable> ConventionStateCollector(sqlite::Database& db);
std::shared_ptr<prometheus::Collectable> ConventionStateCollector(postgres::Database& db);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_STORE_METRICS_H_
