#include "billing-service/store/billing_storage.h"

#include "absl/strings/str_cat.h"
#include "billing-service/store/postgres/postgres_billing_store.h"
#include "billing-service/store/sqlite/sqlite_billing_store.h"
#include "common/postgres/postgres_database_handle.h"
#include "common/sqlite/sqlite_database_handle.h"

namespace ent::billing {

absl::StatusOr<BillingStorage> OpenBillingStorage(const storage::StorageOptions& options) {
  BillingStorage storage;
  if (!options.database.empty()) {
    auto opened = PostgresBillingStore::Open(options.database, options.timeouts);
    if (!opened.ok()) {
      return absl::Status(opened.status().code(), absl::StrCat("--database: ", opened.status().message()));
    }
    storage.database = std::make_unique<postgres::PostgresDatabaseHandle>((*opened)->database());
    storage.store = std::move(*opened);
    return storage;
  }
  const std::string path = options.data_dir + "/billing.db";
  auto opened = SqliteBillingStore::Open(path);
  if (!opened.ok()) {
    return absl::Status(opened.status().code(),
                        absl::StrCat("cannot open ", path, ": ", opened.status().message()));
  }
  storage.database = std::make_unique<sqlite::SqliteDatabaseHandle>((*opened)->database(), path);
  storage.store = std::move(*opened);
  return storage;
}

}  // namespace ent::billing
