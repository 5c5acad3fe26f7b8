// The storage billing-service runs on, opened from its flags: the one place
// that names the backends. SQLite (store/sqlite/: one instance, the file
// <data-dir>/billing.db) or PostgreSQL (store/postgres/: several instances
// on the `billing` schema of --database).
#ifndef ENT_BILLING_STORE_BILLING_STORAGE_H_
#define ENT_BILLING_STORE_BILLING_STORAGE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "billing-service/store/billing_store.h"
#include "common/storage/database_handle.h"
#include "common/storage/storage_options.h"

namespace ent::billing {

// Members are destroyed in reverse order: the handle before the store.
struct BillingStorage {
  std::unique_ptr<BillingStore> store;
  // Health probe, storage metrics, backups, Close at the end of the drain.
  std::unique_ptr<storage::DatabaseHandle> database;
};

// Opens (creating and migrating as needed) the store `options` name.
// Errors name what could not be opened: the file's path, or the flag
// --database.
absl::StatusOr<BillingStorage> OpenBillingStorage(const storage::StorageOptions& options);

}  // namespace ent::billing

#endif  // ENT_BILLING_STORE_BILLING_STORAGE_H_
