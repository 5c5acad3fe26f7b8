// The storage convention-service runs on, opened from its flags: the one
// place that names the backends. SQLite (store/sqlite/, workflow/sqlite/:
// one instance, the file <data-dir>/convention.db) or PostgreSQL
// (store/postgres/, workflow/postgres/: several instances on the
// `convention` schema of --database). A third backend is one more branch
// here and its own directories beside these.
#ifndef ENT_CONVENTION_STORE_CONVENTION_STORAGE_H_
#define ENT_CONVENTION_STORE_CONVENTION_STORAGE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/storage/database_handle.h"
#include "common/storage/storage_options.h"
#include "convention-service/store/convention_store.h"
#include "workflow/workflow_metrics.h"

namespace ent::convention {

// Members are destroyed in reverse order: what reads the store's database
// before the store.
struct ConventionStorage {
  std::unique_ptr<ConventionStore> store;
  // Health probe, storage metrics, backups, Close at the end of the drain.
  std::unique_ptr<storage::DatabaseHandle> database;
  // The workflow's timers and outbox, for its metrics.
  workflow::WorkflowStatsReader workflow_stats;
};

// Opens (creating and migrating as needed) the store `options` name.
// Errors name what could not be opened: the file's path, or the flag
// --database.
absl::StatusOr<ConventionStorage> OpenConventionStorage(const storage::StorageOptions& options);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_CONVENTION_STORAGE_H_
