#include "workflow/sqlite/sqlite_outbox.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace ent::workflow {
namespace {

constexpr char kColumns[] =
    "id, topic, key, idempotency_key, payload, created_us, attempts, next_attempt_us, "
    "last_error, state, payload_type, (SELECT COALESCE(MIN(d.id), 0) FROM workflow_outbox d WHERE d.key = "
    "workflow_outbox.key AND d.state = 2 AND d.id < workflow_outbox.id AND workflow_outbox.state "
    "!= 1)";

absl::StatusOr<std::vector<OutboxMessage>> ReadAll(sqlite::Statement& stmt) {
  std::vector<OutboxMessage> out;
  while (true) {
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    OutboxMessage m;
    m.id = stmt.ColumnInt64(0);
    m.topic = stmt.ColumnText(1);
    m.key = stmt.ColumnText(2);
    m.idempotency_key = stmt.ColumnText(3);
    m.payload = stmt.ColumnText(4);
    m.created = absl::FromUnixMicros(stmt.ColumnInt64(5));
    m.attempts = static_cast<int>(stmt.ColumnInt64(6));
    m.next_attempt = absl::FromUnixMicros(stmt.ColumnInt64(7));
    m.last_error = stmt.ColumnText(8);
    m.state = static_cast<OutboxState>(stmt.ColumnInt64(9));
    m.payload_type = stmt.ColumnText(10);
    m.blocked_by = stmt.ColumnInt64(11);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

const char* OutboxSchemaSql() {
  return R"sql(
CREATE TABLE workflow_outbox (
  id              INTEGER PRIMARY KEY,
  topic           TEXT NOT NULL,
  key             TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload         TEXT NOT NULL,
  created_us      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_us INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  state           INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 delivered, 2 dead
  delivered_us    INTEGER
);
CREATE INDEX workflow_outbox_pending ON workflow_outbox (state, key, id);
)sql";
}

absl::Status SqliteOutboxWriter::Enqueue(const std::string& topic, const std::string& key,
                                         const std::string& idempotency_key,
                                         const std::string& payload_type, const std::string& payload,
                                         absl::Time now) {
  ENT_ASSIGN_OR_RETURN(
      auto insert,
      conn_.Prepare("INSERT INTO workflow_outbox (topic, key, idempotency_key, payload_type, payload, "
                    "created_us, next_attempt_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0) "
                    "ON CONFLICT (idempotency_key) DO NOTHING"));
  insert.Bind(1, topic).Bind(2, key).Bind(3, idempotency_key).Bind(4, payload_type).BindBlob(5, payload).Bind(
      6, absl::ToUnixMicros(now));
  return insert.Run();
}

const char* OutboxPayloadTypeMigrationSql() {
  // The payload column keeps its TEXT declaration: SQLite stores the bytes
  // bound to it as a BLOB, and the JSON of release fbf17cd's rows as text.
  return R"sql(
ALTER TABLE workflow_outbox ADD COLUMN payload_type TEXT NOT NULL DEFAULT '';
)sql";
}

const char* OutboxOrderMigrationSql() {
  return "CREATE INDEX workflow_outbox_pending_order ON workflow_outbox (state, id);";
}

absl::StatusOr<std::vector<OutboxMessage>> SqliteOutboxStore::Deliverable(absl::Time now,
                                                                          int limit) {
  absl::StatusOr<std::vector<OutboxMessage>> result = absl::UnknownError("not run");
  db_.ReadNow([&](sqlite::Connection& conn) {
    auto stmt = conn.Prepare(absl::StrCat(
        "SELECT ", kColumns,
        // In id order on (state, id): the scan stops after `limit` messages.
        " FROM workflow_outbox INDEXED BY workflow_outbox_pending_order"
        " WHERE state = 0 AND next_attempt_us <= ?1 AND id = "
        "(SELECT MIN(p.id) FROM workflow_outbox p WHERE p.key = workflow_outbox.key AND "
        "p.state IN (0, 2)) "
        "ORDER BY id LIMIT ?2"));
    if (!stmt.ok()) {
      result = stmt.status();
      return;
    }
    stmt->Bind(1, absl::ToUnixMicros(now)).Bind(2, static_cast<int64_t>(limit));
    result = ReadAll(*stmt);
  });
  return result;
}

absl::Status SqliteOutboxStore::Record(const std::vector<DeliveryOutcome>& outcomes) {
  return db_.WriteSync([&](sqlite::Connection& conn) -> absl::Status {
    for (const DeliveryOutcome& o : outcomes) {
      if (o.delivered) {
        ENT_ASSIGN_OR_RETURN(auto stmt,
                             conn.Prepare("UPDATE workflow_outbox SET state = 1, attempts = "
                                          "attempts + 1, delivered_us = ?2, last_error = '' "
                                          "WHERE id = ?1 AND state = 0"));
        stmt.Bind(1, o.id).Bind(2, absl::ToUnixMicros(o.at));
        ENT_RETURN_IF_ERROR(stmt.Run());
      } else {
        ENT_ASSIGN_OR_RETURN(auto stmt,
                             conn.Prepare("UPDATE workflow_outbox SET attempts = attempts + 1, "
                                          "last_error = ?2, next_attempt_us = ?3, state = ?4 "
                                          "WHERE id = ?1 AND state = 0"));
        stmt.Bind(1, o.id)
            .Bind(2, o.error.substr(0, 1000))
            .Bind(3, absl::ToUnixMicros(o.next_attempt))
            .Bind(4, static_cast<int64_t>(o.dead ? OutboxState::kDead : OutboxState::kPending));
        ENT_RETURN_IF_ERROR(stmt.Run());
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<absl::Time>> SqliteOutboxStore::NextAttempt() {
  absl::StatusOr<std::optional<absl::Time>> result = absl::UnknownError("not run");
  db_.ReadNow([&](sqlite::Connection& conn) {
    auto stmt = conn.Prepare("SELECT MIN(next_attempt_us) FROM workflow_outbox WHERE state = 0");
    if (!stmt.ok()) {
      result = stmt.status();
      return;
    }
    auto row = stmt->Step();
    if (!row.ok()) {
      result = row.status();
    } else if (!*row || stmt->ColumnIsNull(0)) {
      result = std::optional<absl::Time>();
    } else {
      result = std::optional<absl::Time>(absl::FromUnixMicros(stmt->ColumnInt64(0)));
    }
  });
  return result;
}

absl::StatusOr<std::vector<OutboxMessage>> SqliteOutboxStore::List(OutboxState state, int limit) {
  absl::StatusOr<std::vector<OutboxMessage>> result = absl::UnknownError("not run");
  db_.ReadNow([&](sqlite::Connection& conn) {
    auto stmt = conn.Prepare(absl::StrCat("SELECT ", kColumns,
                                          " FROM workflow_outbox WHERE state = ?1 ORDER BY id "
                                          "LIMIT ?2"));
    if (!stmt.ok()) {
      result = stmt.status();
      return;
    }
    stmt->Bind(1, static_cast<int64_t>(state)).Bind(2, static_cast<int64_t>(limit));
    result = ReadAll(*stmt);
  });
  return result;
}

void SqliteOutboxStore::Retry(int64_t id, absl::Time at,
                              std::function<void(absl::StatusOr<OutboxMessage>)> done) {
  auto result = std::make_shared<absl::StatusOr<OutboxMessage>>(absl::UnknownError("not run"));
  db_.Write([id, at, result](sqlite::Connection& conn) -> absl::Status {
    ENT_ASSIGN_OR_RETURN(auto find, conn.Prepare(absl::StrCat(
                                        "SELECT ", kColumns, " FROM workflow_outbox WHERE id = ?1")));
    find.Bind(1, id);
    ENT_ASSIGN_OR_RETURN(std::vector<OutboxMessage> found, ReadAll(find));
    if (found.empty()) return absl::NotFoundError(absl::StrCat("outbox message ", id, " does not exist"));
    OutboxMessage m = std::move(found[0]);
    if (m.state == OutboxState::kDelivered) {
      return absl::FailedPreconditionError(
          absl::StrCat("outbox message ", id, " was delivered: only a dead message is retried"));
    }
    if (m.state == OutboxState::kDead) {
      ENT_ASSIGN_OR_RETURN(auto update,
                           conn.Prepare("UPDATE workflow_outbox SET state = 0, attempts = 0, "
                                        "next_attempt_us = ?2 WHERE id = ?1 AND state = 2"));
      update.Bind(1, id).Bind(2, absl::ToUnixMicros(at));
      ENT_RETURN_IF_ERROR(update.Run());
      m.state = OutboxState::kPending;
      m.attempts = 0;
      m.next_attempt = at;
    }
    *result = std::move(m);
    return absl::OkStatus();
  }, [result, done = std::move(done)](absl::Status written) {
    if (!written.ok()) return done(written);
    done(std::move(*result));
  });
}

}  // namespace ent::workflow
