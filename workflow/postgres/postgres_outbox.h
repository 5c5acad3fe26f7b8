// The outbox on the host's PostgreSQL database. Several instances share one
// outbox; one of them dispatches at a time: Deliverable returns messages only
// to the instance holding the dispatch lease, a session-level advisory lock
// on a connection of its own (released by PostgreSQL when that instance or
// its connection dies, when the next instance to look takes it over). Per-key
// order and "each message delivered, the receiver deduplicating repeats"
// hold as with one instance.
//
// Fencing (as Temporal's shard rangeID): taking the lease increments the
// epoch in `workflow_outbox_lease`; Deliverable stamps each message with the
// epoch it was read under, and Record writes outcomes only while that epoch
// is still the current one (it reads the lease row FOR SHARE, so a new holder
// taking the lease waits for it or is seen) and only on rows still pending.
// A dispatcher that lost its lease mid-delivery (a partition, a database
// restart) cannot overwrite its successor's outcome: its late write is
// refused, logged, and changes nothing.
#ifndef ENT_WORKFLOW_POSTGRES_POSTGRES_OUTBOX_H_
#define ENT_WORKFLOW_POSTGRES_POSTGRES_OUTBOX_H_

#include <memory>

#include "absl/synchronization/mutex.h"
#include "common/postgres/connection.h"
#include "common/postgres/database.h"
#include "workflow/outbox/outbox.h"

namespace ent::workflow {

// CREATE statements for the outbox table (SQLite's after its migrations).
const char* PostgresOutboxSchemaSql();
// A migration: the lease's epoch row.
const char* PostgresOutboxLeaseSql();
// A migration: each notice's payload as bytes with its type (payload_type);
// the host's migration code types the rows queued before.
const char* PostgresOutboxPayloadTypeSql();

class PostgresOutboxWriter final : public OutboxWriter {
 public:
  explicit PostgresOutboxWriter(postgres::Connection& conn) : conn_(conn) {}
  absl::Status Enqueue(const std::string& topic, const std::string& key,
                       const std::string& idempotency_key, const std::string& payload_type,
                       const std::string& payload, absl::Time now) override;

 private:
  postgres::Connection& conn_;
};

class PostgresOutboxStore final : public OutboxStore {
 public:
  explicit PostgresOutboxStore(postgres::Database& db) : db_(db) {}
  // Empty unless this instance holds (or now takes) the dispatch lease.
  absl::StatusOr<std::vector<OutboxMessage>> Deliverable(absl::Time now, int limit) override;
  absl::Status Record(const std::vector<DeliveryOutcome>& outcomes) override;
  absl::StatusOr<std::optional<absl::Time>> NextAttempt() override;
  absl::StatusOr<std::vector<OutboxMessage>> List(OutboxState state, int limit) override;
  void Retry(int64_t id, absl::Time at,
             std::function<void(absl::StatusOr<OutboxMessage>)> done) override;
  // Whether this instance dispatches (holds the lease), as of the last look.
  bool dispatching();
  // The epoch of the lease this instance holds (0 if it never held it).
  int64_t lease_epoch();

 private:
  // Takes or checks the lease; false when another instance holds it.
  bool HoldLease() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lease_mu_);

  postgres::Database& db_;
  absl::Mutex lease_mu_;
  std::unique_ptr<postgres::Connection> lease_conn_ ABSL_GUARDED_BY(lease_mu_);
  bool held_ ABSL_GUARDED_BY(lease_mu_) = false;
  int64_t epoch_ ABSL_GUARDED_BY(lease_mu_) = 0;
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_POSTGRES_POSTGRES_OUTBOX_H_
