#include "workflow/postgres/postgres_outbox.h"

#include "absl/strings/str_cat.h"
#include <unistd.h>

#include "absl/time/clock.h"
#include "common/log_sink.h"
#include "common/metrics/metrics.h"
#include "common/status_macros.h"

namespace ent::workflow {
namespace {

using postgres::Params;
using postgres::Result;

constexpr char kColumns[] =
    "id, topic, key, idempotency_key, payload, created_us, attempts, next_attempt_us, "
    "last_error, state, payload_type, (SELECT COALESCE(MIN(d.id), 0) FROM workflow_outbox d WHERE d.key = "
    "workflow_outbox.key AND d.state = 2 AND d.id < workflow_outbox.id AND workflow_outbox.state "
    "!= 1)";

std::vector<OutboxMessage> ReadAll(const Result& r) {
  std::vector<OutboxMessage> out;
  for (int i = 0; i < r.rows(); ++i) {
    OutboxMessage m;
    m.id = r.Int(i, 0);
    m.topic = r.Text(i, 1);
    m.key = r.Text(i, 2);
    m.idempotency_key = r.Text(i, 3);
    m.payload = r.Bytes(i, 4);
    m.created = absl::FromUnixMicros(r.Int(i, 5));
    m.attempts = static_cast<int>(r.Int(i, 6));
    m.next_attempt = absl::FromUnixMicros(r.Int(i, 7));
    m.last_error = r.Text(i, 8);
    m.state = static_cast<OutboxState>(r.Int(i, 9));
    m.payload_type = r.Text(i, 10);
    m.blocked_by = r.Int(i, 11);
    out.push_back(std::move(m));
  }
  return out;
}

// A read through the database, its result carried out.
template <typename T>
absl::StatusOr<T> ReadValue(postgres::Database& db,
                            const std::function<absl::StatusOr<T>(postgres::Connection&)>& work) {
  absl::StatusOr<T> result = absl::UnknownError("not run");
  db.ReadNow([&](postgres::Connection& conn) { result = work(conn); });
  return result;
}

// Who holds the lease, for people reading the lease row.
std::string Holder() {
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, ":", getpid());
}

}  // namespace

const char* PostgresOutboxSchemaSql() {
  return R"sql(
CREATE TABLE workflow_outbox (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic           TEXT NOT NULL,
  key             TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload         TEXT NOT NULL,
  created_us      BIGINT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_us BIGINT NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  state           INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 delivered, 2 dead
  delivered_us    BIGINT
);
CREATE INDEX workflow_outbox_pending ON workflow_outbox (state, key, id);
CREATE INDEX workflow_outbox_pending_order ON workflow_outbox (state, id);
CREATE INDEX workflow_outbox_delivered ON workflow_outbox (state, delivered_us);
)sql";
}

const char* PostgresOutboxLeaseSql() {
  return R"sql(
CREATE TABLE workflow_outbox_lease (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  epoch    BIGINT NOT NULL,             -- incremented by each new holder
  holder   TEXT NOT NULL DEFAULT '',    -- host:pid of the holder, for people
  taken_us BIGINT NOT NULL DEFAULT 0
);
INSERT INTO workflow_outbox_lease (id, epoch) VALUES (1, 0);
)sql";
}

absl::Status PostgresOutboxWriter::Enqueue(const std::string& topic, const std::string& key,
                                           const std::string& idempotency_key,
                                           const std::string& payload_type, const std::string& payload,
                                           absl::Time now) {
  // Sent with the transaction's next statement.
  conn_.Defer("INSERT INTO workflow_outbox (topic, key, idempotency_key, payload_type, payload, created_us, "
              "next_attempt_us) VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (idempotency_key) DO NOTHING",
              Params().Text(topic).Text(key).Text(idempotency_key).Text(payload_type).Bytes(payload).Int(
                  absl::ToUnixMicros(now)));
  return absl::OkStatus();
}

const char* PostgresOutboxPayloadTypeSql() {
  // Rows queued before hold JSON: kept as its UTF-8 bytes, without a type
  // until the host's migration code types the notices it recognises.
  return R"sql(
ALTER TABLE workflow_outbox ADD COLUMN payload_type TEXT NOT NULL DEFAULT '';
ALTER TABLE workflow_outbox ALTER COLUMN payload TYPE BYTEA USING convert_to(payload, 'UTF8');
)sql";
}

bool PostgresOutboxStore::HoldLease() {
  if (lease_conn_ == nullptr) {
    auto opened = db_.Connect();
    if (!opened.ok()) return false;
    lease_conn_ = std::move(*opened);
    held_ = false;
  }
  if (held_) {
    // Still ours while the session lives.
    if (lease_conn_->Query("SELECT 1").ok()) return true;
    held_ = false;
  }
  if (lease_conn_->needs_reconnect() && !lease_conn_->Reconnect().ok()) return false;
  auto taken = lease_conn_->Query(
      "SELECT pg_try_advisory_lock(hashtextextended('ent-outbox:' || current_schema(), 0))");
  held_ = taken.ok() && taken->rows() == 1 && taken->Bool(0, 0);
  if (!held_) return false;
  // A new holder: a new epoch, which fences the previous holder's writes.
  auto epoch = lease_conn_->Query(
      "UPDATE workflow_outbox_lease SET epoch = epoch + 1, holder = $1, taken_us = $2 WHERE id = 1 "
      "RETURNING epoch",
      Params().Text(Holder()).Int(absl::ToUnixMicros(absl::Now())));
  if (!epoch.ok() || epoch->rows() != 1) {
    // Not fenced, not held: let go, and try again at the next look.
    LogLine("warn", "outbox_lease_epoch_failed")
        .Add("error", epoch.ok() ? std::string("no lease row") : epoch.status().ToString()).Write();
    lease_conn_->Query("SELECT pg_advisory_unlock(hashtextextended('ent-outbox:' || current_schema(), 0))")
        .IgnoreError();
    held_ = false;
    return false;
  }
  epoch_ = epoch->Int(0, 0);
  LogLine("info", "outbox_lease_taken").Add("epoch", epoch_).Write();
  return true;
}

int64_t PostgresOutboxStore::lease_epoch() {
  absl::MutexLock lock(&lease_mu_);
  return epoch_;
}

bool PostgresOutboxStore::dispatching() {
  absl::MutexLock lock(&lease_mu_);
  return held_;
}

absl::StatusOr<std::vector<OutboxMessage>> PostgresOutboxStore::Deliverable(absl::Time now, int limit) {
  int64_t epoch = 0;
  {
    absl::MutexLock lock(&lease_mu_);
    if (!HoldLease()) return std::vector<OutboxMessage>();
    epoch = epoch_;
  }
  absl::StatusOr<std::vector<OutboxMessage>> found = ReadValue<std::vector<OutboxMessage>>(
      db_, [&](postgres::Connection& conn) -> absl::StatusOr<std::vector<OutboxMessage>> {
        ENT_ASSIGN_OR_RETURN(
            Result r, conn.Query(absl::StrCat("SELECT ", kColumns,
                                              " FROM workflow_outbox WHERE state = 0 AND "
                                              "next_attempt_us <= $1 AND id = (SELECT MIN(p.id) FROM "
                                              "workflow_outbox p WHERE p.key = workflow_outbox.key AND "
                                              "p.state IN (0, 2)) ORDER BY id LIMIT $2"),
                                 Params().Int(absl::ToUnixMicros(now)).Int(limit)));
        return ReadAll(r);
      });
  if (found.ok()) {
    for (OutboxMessage& m : *found) m.lease_epoch = epoch;
  }
  return found;
}

absl::Status PostgresOutboxStore::Record(const std::vector<DeliveryOutcome>& outcomes) {
  if (outcomes.empty()) return absl::OkStatus();
  const int64_t epoch = outcomes.front().lease_epoch;
  for (const DeliveryOutcome& o : outcomes) {
    if (o.lease_epoch != epoch) {
      return absl::InvalidArgumentError("outbox outcomes of several lease epochs in one Record");
    }
  }
  int64_t current = 0;
  bool fenced = false;
  absl::Status st = db_.WriteSync([&](postgres::Connection& conn) -> absl::Status {
    // Shared: outcomes recorded side by side; a new holder's epoch update
    // waits for this transaction, or was committed before and is seen here.
    ENT_ASSIGN_OR_RETURN(Result lease,
                         conn.Query("SELECT epoch FROM workflow_outbox_lease WHERE id = 1 FOR SHARE"));
    current = lease.rows() == 1 ? lease.Int(0, 0) : -1;
    fenced = current != epoch;
    if (fenced) {
      return absl::FailedPreconditionError(absl::StrCat(
          "outbox lease epoch ", epoch, " is no longer current (now ", current,
          "): another instance dispatches; the outcomes of this one's late delivery are not recorded"));
    }
    for (const DeliveryOutcome& o : outcomes) {
      if (o.delivered) {
        conn.Defer("UPDATE workflow_outbox SET state = 1, attempts = attempts + 1, delivered_us = $2, "
                   "last_error = '' WHERE id = $1 AND state = 0",
                   Params().Int(o.id).Int(absl::ToUnixMicros(o.at)));
      } else {
        conn.Defer("UPDATE workflow_outbox SET attempts = attempts + 1, last_error = $2, "
                   "next_attempt_us = $3, state = $4 WHERE id = $1 AND state = 0",
                   Params()
                       .Int(o.id)
                       .Text(o.error.substr(0, 1000))
                       .Int(absl::ToUnixMicros(o.next_attempt))
                       .Int(static_cast<int64_t>(o.dead ? OutboxState::kDead : OutboxState::kPending)));
      }
    }
    return absl::OkStatus();
  });
  if (fenced) {
    LogLine("warn", "outbox_outcomes_fenced")
        .Add("epoch", epoch).Add("current_epoch", current)
        .Add("outcomes", static_cast<int64_t>(outcomes.size())).Write();
    Metrics::Instance().OutboxOutcomesFenced(static_cast<int64_t>(outcomes.size()));
  }
  return st;
}

absl::StatusOr<std::optional<absl::Time>> PostgresOutboxStore::NextAttempt() {
  return ReadValue<std::optional<absl::Time>>(
      db_, [](postgres::Connection& conn) -> absl::StatusOr<std::optional<absl::Time>> {
        ENT_ASSIGN_OR_RETURN(Result r,
                             conn.Query("SELECT MIN(next_attempt_us) FROM workflow_outbox WHERE state = 0"));
        if (r.rows() == 0 || r.IsNull(0, 0)) return std::optional<absl::Time>();
        return std::optional<absl::Time>(absl::FromUnixMicros(r.Int(0, 0)));
      });
}

absl::StatusOr<std::vector<OutboxMessage>> PostgresOutboxStore::List(OutboxState state, int limit) {
  return ReadValue<std::vector<OutboxMessage>>(
      db_, [&](postgres::Connection& conn) -> absl::StatusOr<std::vector<OutboxMessage>> {
        ENT_ASSIGN_OR_RETURN(Result r, conn.Query(absl::StrCat("SELECT ", kColumns,
                                                               " FROM workflow_outbox WHERE state = $1 "
                                                               "ORDER BY id LIMIT $2"),
                                                  Params().Int(static_cast<int64_t>(state)).Int(limit)));
        return ReadAll(r);
      });
}

void PostgresOutboxStore::Retry(int64_t id, absl::Time at,
                                std::function<void(absl::StatusOr<OutboxMessage>)> done) {
  auto result = std::make_shared<absl::StatusOr<OutboxMessage>>(absl::UnknownError("not run"));
  db_.Write(
      [id, at, result](postgres::Connection& conn) -> absl::Status {
        ENT_ASSIGN_OR_RETURN(Result r, conn.Query(absl::StrCat("SELECT ", kColumns,
                                                               " FROM workflow_outbox WHERE id = $1 "
                                                               "FOR UPDATE"),
                                                  Params().Int(id)));
        std::vector<OutboxMessage> found = ReadAll(r);
        if (found.empty()) return absl::NotFoundError(absl::StrCat("outbox message ", id, " does not exist"));
        OutboxMessage m = std::move(found[0]);
        if (m.state == OutboxState::kDelivered) {
          return absl::FailedPreconditionError(
              absl::StrCat("outbox message ", id, " was delivered: only a dead message is retried"));
        }
        if (m.state == OutboxState::kDead) {
          ENT_RETURN_IF_ERROR(conn.Query("UPDATE workflow_outbox SET state = 0, attempts = 0, "
                                         "next_attempt_us = $2 WHERE id = $1 AND state = 2",
                                         Params().Int(id).Int(absl::ToUnixMicros(at)))
                                  .status());
          m.state = OutboxState::kPending;
          m.attempts = 0;
          m.next_attempt = at;
        }
        *result = std::move(m);
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status written) {
        if (!written.ok()) return done(written);
        done(std::move(*result));
      });
}

}  // namespace ent::workflow
