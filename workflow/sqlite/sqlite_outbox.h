// The outbox on the host's SQLite database: OutboxWriter on a transaction's
// connection, OutboxStore through the host's Database.
#ifndef ENT_WORKFLOW_SQLITE_SQLITE_OUTBOX_H_
#define ENT_WORKFLOW_SQLITE_SQLITE_OUTBOX_H_

#include "common/sqlite/connection.h"
#include "common/sqlite/database.h"
#include "workflow/outbox/outbox.h"

namespace ent::workflow {

// CREATE statements for the outbox table.
const char* OutboxSchemaSql();
// Migration adding the index Deliverable walks in id order (state, id), so
// that finding the next batch reads a batch, not every pending message.
const char* OutboxOrderMigrationSql();
// Migration giving each notice its payload's type (payload_type); the host's
// migration code types the rows queued before.
const char* OutboxPayloadTypeMigrationSql();

class SqliteOutboxWriter final : public OutboxWriter {
 public:
  explicit SqliteOutboxWriter(sqlite::Connection& conn) : conn_(conn) {}
  absl::Status Enqueue(const std::string& topic, const std::string& key,
                       const std::string& idempotency_key, const std::string& payload_type,
                       const std::string& payload, absl::Time now) override;

 private:
  sqlite::Connection& conn_;
};

class SqliteOutboxStore final : public OutboxStore {
 public:
  explicit SqliteOutboxStore(sqlite::Database& db) : db_(db) {}
  absl::StatusOr<std::vector<OutboxMessage>> Deliverable(absl::Time now, int limit) override;
  absl::Status Record(const std::vector<DeliveryOutcome>& outcomes) override;
  absl::StatusOr<std::optional<absl::Time>> NextAttempt() override;
  absl::StatusOr<std::vector<OutboxMessage>> List(OutboxState state, int limit) override;
  void Retry(int64_t id, absl::Time at,
             std::function<void(absl::StatusOr<OutboxMessage>)> done) override;

 private:
  sqlite::Database& db_;
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_SQLITE_SQLITE_OUTBOX_H_
