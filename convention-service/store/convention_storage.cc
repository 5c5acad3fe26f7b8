#include "convention-service/store/convention_storage.h"

#include "absl/strings/str_cat.h"
#include "common/postgres/postgres_database_handle.h"
#include "common/sqlite/sqlite_database_handle.h"
#include "convention-service/store/postgres/postgres_convention_store.h"
#include "convention-service/store/sqlite/sqlite_convention_store.h"
#include "workflow/postgres/postgres_workflow_stats.h"
#include "workflow/sqlite/sqlite_workflow_stats.h"

namespace ent::convention {

absl::StatusOr<ConventionStorage> OpenConventionStorage(const storage::StorageOptions& options) {
  ConventionStorage storage;
  if (!options.database.empty()) {
    auto opened = PostgresConventionStore::Open(options.database, options.timeouts);
    if (!opened.ok()) {
      return absl::Status(opened.status().code(), absl::StrCat("--database: ", opened.status().message()));
    }
    postgres::Database& db = (*opened)->database();
    storage.database = std::make_unique<postgres::PostgresDatabaseHandle>(db);
    storage.workflow_stats = workflow::PostgresWorkflowStats(db);
    storage.store = std::move(*opened);
    return storage;
  }
  const std::string path = options.data_dir + "/convention.db";
  auto opened = SqliteConventionStore::Open(path);
  if (!opened.ok()) {
    return absl::Status(opened.status().code(),
                        absl::StrCat("cannot open ", path, ": ", opened.status().message()));
  }
  sqlite::Database& db = (*opened)->database();
  storage.database = std::make_unique<sqlite::SqliteDatabaseHandle>(db, path);
  storage.workflow_stats = workflow::SqliteWorkflowStats(db);
  storage.store = std::move(*opened);
  return storage;
}

}  // namespace ent::convention
