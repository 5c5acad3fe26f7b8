// BillingStore on PostgreSQL (common/postgres/database.h), for several
// instances of billing-service on one database. The same numbered migrations
// as SQLite, in PostgreSQL's dialect, in the schema `billing`. What SQLite's
// single writer gave for free is explicit here:
//  - LockConvention and LockTitre are transaction-scoped advisory locks
//    (pg_advisory_xact_lock), so a notice, a campaign chunk and a payment on
//    another instance wait for each other exactly where the contract says;
//  - TakeSequence updates the year's counter row, which stays locked until
//    the issuing transaction ends: numbers are gapless and unique across
//    instances;
//  - issued titres, lines, payments and corrections are append-only, refused
//    by triggers; a tariff used by a titre is locked by a trigger.
#ifndef ENT_BILLING_STORE_POSTGRES_POSTGRES_BILLING_STORE_H_
#define ENT_BILLING_STORE_POSTGRES_POSTGRES_BILLING_STORE_H_

#include <memory>
#include <string>

#include "billing-service/store/billing_store.h"
#include "common/postgres/database.h"

namespace ent::billing {

class PostgresBillingStore final : public BillingStore {
 public:
  // Connects to `uri` (every wait bounded by `timeouts`) and migrates the `billing` schema.
  static absl::StatusOr<std::unique_ptr<PostgresBillingStore>> Open(const std::string& uri,
                                                                  const postgres::Timeouts& timeouts = {});

  using TransactionalStore::Write;
  void Write(std::function<absl::Status(BillingWriter&)> work, std::function<void(absl::Status)> done,
             absl::Time deadline) override;
  void Read(const std::function<void(BillingReader&)>& work) override;
  void ReadAsync(std::function<void(BillingReader&)> work) override;
  postgres::Database& database() { return *db_; }

 private:
  explicit PostgresBillingStore(std::unique_ptr<postgres::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<postgres::Database> db_;
};

}  // namespace ent::billing

#endif  // ENT_BILLING_STORE_POSTGRES_POSTGRES_BILLING_STORE_H_
