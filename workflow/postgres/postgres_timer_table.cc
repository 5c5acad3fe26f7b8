#include "workflow/postgres/postgres_timer_table.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace ent::workflow {
namespace {

using postgres::Params;
using postgres::Result;

constexpr int64_t kPending = 0;
constexpr int64_t kFired = 1;
constexpr int64_t kCancelled = 2;
constexpr int64_t kFailed = 3;

constexpr char kColumns[] =
    "id, kind, subject, commune, due_us, last_day, rule, explanation, from_day, state, attempts, "
    "last_error, next_us";

std::vector<TimerRecord> ReadAll(const Result& r) {
  std::vector<TimerRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    TimerRecord t;
    t.id = r.Int(i, 0);
    t.spec.kind = r.Text(i, 1);
    t.spec.subject = r.Text(i, 2);
    t.spec.commune = r.Text(i, 3);
    t.spec.due = absl::FromUnixMicros(r.Int(i, 4));
    t.spec.last_day = ParseIsoDate(r.Text(i, 5)).value_or(CivilDate());
    t.spec.rule = r.Text(i, 6);
    t.spec.explanation = r.Text(i, 7);
    t.spec.from_day = ParseIsoDate(r.Text(i, 8));
    t.state = static_cast<TimerState>(r.Int(i, 9));
    t.attempts = static_cast<int>(r.Int(i, 10));
    t.last_error = r.Text(i, 11);
    t.next_attempt = absl::FromUnixMicros(r.Int(i, 12));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

const char* PostgresTimerSchemaSql() {
  return R"sql(
CREATE TABLE workflow_timers (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        TEXT NOT NULL,
  subject     TEXT NOT NULL,
  commune     TEXT NOT NULL,
  due_us      BIGINT NOT NULL,
  last_day    TEXT NOT NULL,
  rule        TEXT NOT NULL,
  explanation TEXT NOT NULL,
  state       INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 fired, 2 cancelled, 3 failed (parked)
  fired_us    BIGINT,
  from_day    TEXT NOT NULL DEFAULT '',
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT NOT NULL DEFAULT '',
  next_us     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX workflow_timers_pending ON workflow_timers (due_us, id) WHERE state = 0;
CREATE INDEX workflow_timers_next ON workflow_timers (next_us, id) WHERE state = 0;
CREATE INDEX workflow_timers_by_commune ON workflow_timers (commune, due_us, id) WHERE state = 0;
CREATE INDEX workflow_timers_subject ON workflow_timers (subject) WHERE state = 0;
CREATE INDEX workflow_timers_failed ON workflow_timers (id) WHERE state = 3;
CREATE INDEX workflow_timers_done ON workflow_timers (next_us, id) WHERE state IN (1, 2);
)sql";
}

const char* PostgresTimerNotifySql() {
  // One notification per statement that inserts (a 500-timer batch: one),
  // one per row updated back to pending (rare: failures, retries); marking a
  // timer fired or cancelled notifies no one. PostgreSQL folds the repeats
  // of a transaction into one, sent at its commit.
  return R"sql(
CREATE FUNCTION workflow_timers_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ent_timers_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END $$;
CREATE TRIGGER workflow_timers_scheduled AFTER INSERT ON workflow_timers
  FOR EACH STATEMENT EXECUTE FUNCTION workflow_timers_notify();
CREATE TRIGGER workflow_timers_pending_again AFTER UPDATE OF state, next_us ON workflow_timers
  FOR EACH ROW WHEN (NEW.state = 0) EXECUTE FUNCTION workflow_timers_notify();
)sql";
}

std::string TimerChannel(const std::string& schema) { return "ent_timers_" + schema; }

// The writes are deferred: sent with the transaction's next statement.

absl::Status PostgresTimerTable::Schedule(const TimerSpec& spec) {
  conn_.Defer("INSERT INTO workflow_timers (kind, subject, commune, due_us, last_day, rule, explanation, "
              "from_day, next_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4)",
              Params()
                  .Text(spec.kind)
                  .Text(spec.subject)
                  .Text(spec.commune)
                  .Int(absl::ToUnixMicros(spec.due))
                  .Text(FormatIsoDate(spec.last_day))
                  .Text(spec.rule)
                  .Text(spec.explanation)
                  .Text(FormatIsoDate(spec.from_day)));
  return absl::OkStatus();
}

absl::Status PostgresTimerTable::Cancel(const std::string& subject, const std::string& kind) {
  static_assert(kPending == 0, "the partial indexes are on state = 0");
  conn_.Defer("UPDATE workflow_timers SET state = $3 WHERE subject = $1 AND state = 0 AND "
              "($2 = '' OR kind = $2)",
              Params().Text(subject).Text(kind).Int(kCancelled));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TimerRecord>> PostgresTimerTable::Due(absl::Time now, int limit) {
  ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT ", kColumns,
                                                          " FROM workflow_timers WHERE state = 0 AND "
                                                          "next_us <= $1 ORDER BY next_us, id LIMIT $2",
                                                          writable_ ? " FOR UPDATE SKIP LOCKED" : ""),
                                             Params().Int(absl::ToUnixMicros(now)).Int(limit)));
  return ReadAll(r);
}

absl::Status PostgresTimerTable::MarkFired(int64_t id, absl::Time fired_at) {
  conn_.Defer(postgres::ExpectRowsSql("UPDATE workflow_timers SET state = $2, fired_us = $3 WHERE id = $1 "
                                      "AND state = $4",
                                      1, 5, absl::StatusCode::kFailedPrecondition),
              Params().Int(id).Int(kFired).Int(absl::ToUnixMicros(fired_at)).Int(kPending).Text(
                  absl::StrCat("timer ", id, " was not pending when it fired")));
  return absl::OkStatus();
}

absl::Status PostgresTimerTable::RecordFailure(int64_t id, const std::string& error,
                                               absl::Time retry_at, bool park) {
  conn_.Defer(postgres::ExpectRowsSql("UPDATE workflow_timers SET attempts = attempts + 1, last_error = $2, "
                                      "next_us = $3, state = $4 WHERE id = $1 AND state = $5",
                                      1, 6, absl::StatusCode::kFailedPrecondition),
              Params()
                  .Int(id)
                  .Text(error.substr(0, 1000))
                  .Int(absl::ToUnixMicros(retry_at))
                  .Int(park ? kFailed : kPending)
                  .Int(kPending)
                  .Text(absl::StrCat("timer ", id, " is not pending")));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<TimerRecord>> PostgresTimerTable::Get(int64_t id) {
  ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT ", kColumns,
                                                          " FROM workflow_timers WHERE id = $1"),
                                             Params().Int(id)));
  std::vector<TimerRecord> rows = ReadAll(r);
  if (rows.empty()) return std::optional<TimerRecord>();
  return std::optional<TimerRecord>(std::move(rows[0]));
}

absl::StatusOr<TimerRecord> PostgresTimerTable::RetryFailed(int64_t id, absl::Time at) {
  ENT_ASSIGN_OR_RETURN(std::optional<TimerRecord> timer, Get(id));
  if (!timer) return absl::NotFoundError(absl::StrCat("timers/", id, " does not exist"));
  if (timer->state != TimerState::kFailed) {
    return absl::FailedPreconditionError(
        absl::StrCat("timers/", id, " is not parked as failed: only a failed timer is retried"));
  }
  ENT_RETURN_IF_ERROR(conn_
                          .Query("UPDATE workflow_timers SET state = $2, attempts = 0, next_us = $3 "
                                 "WHERE id = $1 AND state = $4",
                                 Params().Int(id).Int(kPending).Int(absl::ToUnixMicros(at)).Int(kFailed))
                          .status());
  timer->state = TimerState::kPending;
  timer->attempts = 0;
  timer->next_attempt = at;
  return *timer;
}

absl::StatusOr<std::vector<TimerRecord>> PostgresTimerTable::Failed(int64_t after_id, int limit) {
  static_assert(kFailed == 3, "the partial index is on state = 3");
  ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT ", kColumns,
                                                          " FROM workflow_timers WHERE state = 3 AND "
                                                          "id > $1 ORDER BY id LIMIT $2"),
                                             Params().Int(after_id).Int(limit)));
  return ReadAll(r);
}

absl::StatusOr<std::optional<absl::Time>> PostgresTimerTable::NextDue() {
  ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT MIN(next_us) FROM workflow_timers WHERE state = 0"));
  if (r.rows() == 0 || r.IsNull(0, 0)) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixMicros(r.Int(0, 0)));
}

absl::StatusOr<std::vector<TimerRecord>> PostgresTimerTable::Pending(
    std::pair<absl::Time, int64_t> after, int limit,
    const std::optional<std::vector<std::string>>& communes) {
  std::string sql = absl::StrCat("SELECT ", kColumns,
                                 " FROM workflow_timers WHERE state = 0 AND (due_us, id) > "
                                 "($1::bigint, $2::bigint)");
  Params params;
  params.Int(absl::ToUnixMicros(after.first)).Int(after.second).Int(limit);
  if (communes) {
    params.TextArray(*communes);
    sql += " AND commune = ANY ($4::text[])";
  }
  sql += " ORDER BY due_us, id LIMIT $3";
  ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(sql, params));
  return ReadAll(r);
}

}  // namespace ent::workflow
