// The storage boundary of billing-service. Service code sees only these
// interfaces; SqliteBillingStore (embedded, one writer) and
// PostgresBillingStore (several instances on one database) implement them.
//
// Concurrency contract (what every implementation keeps, whatever the number
// of concurrent writers; SQLite keeps it trivially, with one writer):
//  - A write transaction sees its own writes and a snapshot of what committed
//    before it; its writes are all or nothing.
//  - Rules that read, then write, take a lock first and hold it until the
//    transaction ends: LockConvention before applying a notice to what billing
//    knows of a convention and before issuing its titres (what was billed,
//    then the new titre); LockTitre before checking a payment or correction
//    against the titre's balance.
//  - TakeSequence hands out each calendar year's numbers gaplessly and once:
//    the counter stays locked by the taking transaction until it ends, so a
//    number is used if and only if that transaction commits.
//  - PutTariff is conditional on the tariff's version (ABORTED otherwise).
//  - In a write transaction, GetTariff share-locks the tariff it reads until
//    the transaction ends, and PutTariff waits for those locks: a titre is
//    priced at a tariff that stays as it was until the titre commits, and a
//    tariff changed meanwhile is read as changed. So "a tariff used by an
//    issued titre never changes" holds under concurrent issuing: of a
//    transaction issuing at a tariff and one changing it, the change either
//    commits first (the titre gets the new price) or sees the titre and is
//    refused.
#ifndef ENT_BILLING_STORE_BILLING_STORE_H_
#define ENT_BILLING_STORE_BILLING_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/transactional_store.h"
#include "billing-service/domain/billing.h"

namespace ent::billing {

struct TitreFilter {
  std::string commune_insee;  // empty: any
  std::optional<SchoolYear> school_year;
  // Derived from payments and corrections as TitreAccount::state() does;
  // filtered by the store.
  std::optional<TitreState> state;
};

// The first answer to a mutating request.
struct RequestRecord {
  std::string request_id;
  std::string fingerprint;
  // A StoredAnswerRecord (billing_records.h); in rows of release fbf17cd
  // (`legacy`), a reference from which the answer is rebuilt.
  std::string answer;
  bool legacy = false;
};

// What a school year amounts to, kept as titres, payments and corrections
// are inserted.
struct SchoolYearTotals {
  std::string school_year;
  int64_t titres = 0;
  int64_t issued_cents = 0;
  int64_t paid_cents = 0;
  int64_t corrected_cents = 0;
};

class BillingReader {
 public:
  virtual ~BillingReader() = default;
  virtual absl::StatusOr<std::optional<Tariff>> GetTariff(SchoolYear year) = 0;
  virtual absl::StatusOr<std::optional<BillableConvention>> GetConvention(const std::string& name) = 0;
  // At most `limit` conventions of the school year after `after` (by name; ""
  // for the first), in name order: a campaign walks the year in chunks.
  virtual absl::StatusOr<std::vector<BillableConvention>> ConventionsOfYear(SchoolYear year,
                                                                            const std::string& after,
                                                                            int limit) = 0;
  virtual absl::StatusOr<std::optional<TitreAccount>> GetTitre(int year, int64_t sequence) = 0;
  // Titres of a convention for a school year, oldest first.
  virtual absl::StatusOr<std::vector<TitreAccount>> TitresOf(const std::string& convention,
                                                             SchoolYear year) = 0;
  // Titres matching `filter` after (year, sequence) = `after`, by number.
  virtual absl::StatusOr<std::vector<TitreAccount>> ListTitres(const TitreFilter& filter,
                                                               std::pair<int, int64_t> after,
                                                               int limit) = 0;
  // Every titre addressed to a commune, by number (what its statement shows).
  virtual absl::StatusOr<std::vector<TitreAccount>> TitresOfCommune(const std::string& insee) = 0;
  // Every sequence number used in a calendar year, ascending (with repeats).
  virtual absl::StatusOr<std::vector<int64_t>> SequencesOf(int year) = 0;
  virtual absl::StatusOr<int64_t> LastSequence(int year) = 0;
  // Every school year's totals, by school year (a few rows: for metrics).
  virtual absl::StatusOr<std::vector<SchoolYearTotals>> Totals() = 0;
};

class BillingWriter : public BillingReader {
 public:
  // Writes the tariff at t.version: inserts it (version 1) or replaces
  // version t.version - 1; ABORTED if the stored version is another.
  virtual absl::Status PutTariff(const Tariff& t) = 0;
  // Locks of the contract above; re-entrant within a transaction.
  virtual absl::Status LockConvention(const std::string& convention) = 0;
  virtual absl::Status LockTitre(int year, int64_t sequence) = 0;
  virtual absl::Status PutConvention(const BillableConvention& c) = 0;
  // The next number of `year`'s gapless sequence, taken in this transaction.
  virtual absl::StatusOr<int64_t> TakeSequence(int year) = 0;
  virtual absl::Status InsertTitre(const Titre& t) = 0;
  virtual absl::StatusOr<int64_t> InsertPayment(int year, int64_t sequence, const Payment& p,
                                                absl::Time now) = 0;
  virtual absl::StatusOr<int64_t> InsertCorrection(int year, int64_t sequence, const Correction& c,
                                                   absl::Time now) = 0;
  // Records a notice's idempotency key; false when it was already recorded.
  virtual absl::StatusOr<bool> RecordNotice(const std::string& idempotency_key,
                                            const std::string& topic, absl::Time now) = 0;
  virtual absl::StatusOr<std::optional<RequestRecord>> FindRequest(const std::string& id) = 0;
  virtual absl::Status SaveRequest(const RequestRecord& r, absl::Time now) = 0;
  // Retention: deletes at most `limit` stored answers of requests older than
  // `cutoff`; returns how many. Titres, payments, corrections and the
  // notices already applied are never pruned.
  virtual absl::StatusOr<int64_t> PruneBefore(absl::Time cutoff, int limit) = 0;
};

// Thread-safe. Writes are group-committed; `done` runs once durable.
using BillingStore = TransactionalStore<BillingReader, BillingWriter>;

}  // namespace ent::billing

#endif  // ENT_BILLING_STORE_BILLING_STORE_H_
