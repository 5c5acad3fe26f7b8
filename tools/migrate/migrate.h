// Moves an installation's data from its SQLite files into PostgreSQL: each
// service's file is first brought to the current schema (its migrations, as
// the service would at start), the PostgreSQL schema likewise; then every
// table that holds data is copied row for row in one PostgreSQL transaction
// (ids, sequences and counters kept; the counts the triggers keep are rebuilt
// by the same triggers), and read back from both sides, row by row in key
// order, before that transaction commits. A target that already holds data
// is refused. The services must be stopped while it runs.
#ifndef ENT_TOOLS_MIGRATE_MIGRATE_H_
#define ENT_TOOLS_MIGRATE_MIGRATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ent::migrate {

struct TableReport {
  std::string table;
  int64_t rows = 0;  // copied, and found equal when read back
};

// convention.db (convention-service) into the schema `convention`.
absl::StatusOr<std::vector<TableReport>> MigrateConventions(const std::string& sqlite_path,
                                                            const std::string& uri);
// billing.db (billing-service) into the schema `billing`.
absl::StatusOr<std::vector<TableReport>> MigrateBilling(const std::string& sqlite_path,
                                                        const std::string& uri);

}  // namespace ent::migrate

#endif  // ENT_TOOLS_MIGRATE_MIGRATE_H_
