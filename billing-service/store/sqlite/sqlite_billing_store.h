// BillingStore on an embedded SQLite database (WAL, group commit; see
// common/sqlite/database.h). Issued titres, their lines, payments and
// corrections are append-only, enforced by triggers; numbering is a counter
// row per calendar year taken inside the issuing transaction, so numbers are
// gapless and unique under concurrency and crashes.
#ifndef ENT_BILLING_STORE_SQLITE_SQLITE_BILLING_STORE_H_
#define ENT_BILLING_STORE_SQLITE_SQLITE_BILLING_STORE_H_

#include <memory>
#include <string>

#include "billing-service/store/billing_store.h"
#include "common/sqlite/database.h"

namespace ent::billing {

class SqliteBillingStore final : public BillingStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteBillingStore>> Open(const std::string& path);

  using TransactionalStore::Write;
  void Write(std::function<absl::Status(BillingWriter&)> work, std::function<void(absl::Status)> done,
             absl::Time deadline) override;
  void Read(const std::function<void(BillingReader&)>& work) override;
  void ReadAsync(std::function<void(BillingReader&)> work) override;
  // The database itself, for operations (online backups).
  sqlite::Database& database() { return *db_; }

 private:
  explicit SqliteBillingStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace ent::billing

#endif  // ENT_BILLING_STORE_SQLITE_SQLITE_BILLING_STORE_H_
