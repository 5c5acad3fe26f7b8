#include "workflow/sqlite/sqlite_timer_table.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace ent::workflow {
namespace {

constexpr int64_t kPending = 0;
constexpr int64_t kFired = 1;
constexpr int64_t kCancelled = 2;
constexpr int64_t kFailed = 3;

constexpr char kColumns[] =
    "id, kind, subject, commune, due_us, last_day, rule, explanation, from_day, state, attempts, "
    "last_error, next_us";

absl::StatusOr<std::vector<TimerRecord>> ReadAll(sqlite::Statement& stmt) {
  std::vector<TimerRecord> out;
  while (true) {
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    TimerRecord r;
    r.id = stmt.ColumnInt64(0);
    r.spec.kind = stmt.ColumnText(1);
    r.spec.subject = stmt.ColumnText(2);
    r.spec.commune = stmt.ColumnText(3);
    r.spec.due = absl::FromUnixMicros(stmt.ColumnInt64(4));
    r.spec.last_day = ParseIsoDate(stmt.ColumnText(5)).value_or(CivilDate());
    r.spec.rule = stmt.ColumnText(6);
    r.spec.explanation = stmt.ColumnText(7);
    r.spec.from_day = ParseIsoDate(stmt.ColumnText(8));
    r.state = static_cast<TimerState>(stmt.ColumnInt64(9));
    r.attempts = static_cast<int>(stmt.ColumnInt64(10));
    r.last_error = stmt.ColumnText(11);
    r.next_attempt = absl::FromUnixMicros(stmt.ColumnInt64(12));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

const char* TimerSchemaSql() {
  return R"sql(
CREATE TABLE workflow_timers (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  subject     TEXT NOT NULL,
  commune     TEXT NOT NULL,
  due_us      INTEGER NOT NULL,
  last_day    TEXT NOT NULL,
  rule        TEXT NOT NULL,
  explanation TEXT NOT NULL,
  state       INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 fired, 2 cancelled
  fired_us    INTEGER
);
CREATE INDEX workflow_timers_pending ON workflow_timers (state, due_us, id);
CREATE INDEX workflow_timers_subject ON workflow_timers (subject, state);
)sql";
}

const char* TimerFromDayMigrationSql() {
  return "ALTER TABLE workflow_timers ADD COLUMN from_day TEXT NOT NULL DEFAULT '';\n"
         "CREATE INDEX workflow_timers_by_commune ON workflow_timers (commune, state, due_us, id);\n";
}

const char* TimerAttemptsMigrationSql() {
  return R"sql(
ALTER TABLE workflow_timers ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workflow_timers ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE workflow_timers ADD COLUMN next_us INTEGER NOT NULL DEFAULT 0;
UPDATE workflow_timers SET next_us = due_us;
CREATE INDEX workflow_timers_next ON workflow_timers (state, next_us, id);
)sql";
}

const char* TimerPartialIndexesMigrationSql() {
  return R"sql(
DROP INDEX workflow_timers_pending;
DROP INDEX workflow_timers_next;
DROP INDEX workflow_timers_by_commune;
DROP INDEX workflow_timers_subject;
CREATE INDEX workflow_timers_pending ON workflow_timers (due_us, id) WHERE state = 0;
CREATE INDEX workflow_timers_next ON workflow_timers (next_us, id) WHERE state = 0;
CREATE INDEX workflow_timers_by_commune ON workflow_timers (commune, due_us, id) WHERE state = 0;
CREATE INDEX workflow_timers_subject ON workflow_timers (subject) WHERE state = 0;
CREATE INDEX workflow_timers_failed ON workflow_timers (id) WHERE state = 3;
CREATE INDEX workflow_timers_done ON workflow_timers (next_us, id) WHERE state IN (1, 2);
)sql";
}

absl::Status SqliteTimerTable::Schedule(const TimerSpec& spec) {
  ENT_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("INSERT INTO workflow_timers (kind, subject, commune, due_us, last_day, rule, "
                    "explanation, from_day, next_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?4)"));
  stmt.Bind(1, spec.kind)
      .Bind(2, spec.subject)
      .Bind(3, spec.commune)
      .Bind(4, absl::ToUnixMicros(spec.due))
      .Bind(5, FormatIsoDate(spec.last_day))
      .Bind(6, spec.rule)
      .Bind(7, spec.explanation)
      .Bind(8, FormatIsoDate(spec.from_day));
  return stmt.Run();
}

absl::Status SqliteTimerTable::Cancel(const std::string& subject, const std::string& kind) {
  ENT_ASSIGN_OR_RETURN(
      auto stmt, conn_.Prepare("UPDATE workflow_timers SET state = ?3 WHERE subject = ?1 AND "
                               "state = 0 AND (?2 = '' OR kind = ?2)"));
  static_assert(kPending == 0, "the partial indexes are on state = 0");
  stmt.Bind(1, subject).Bind(2, kind).Bind(3, kCancelled);
  return stmt.Run();
}

absl::StatusOr<std::vector<TimerRecord>> SqliteTimerTable::Due(absl::Time now, int limit) {
  ENT_ASSIGN_OR_RETURN(auto stmt,
                       conn_.Prepare(absl::StrCat("SELECT ", kColumns,
                                                  " FROM workflow_timers WHERE state = 0 AND "
                                                  "next_us <= ?1 ORDER BY next_us, id LIMIT ?2")));
  stmt.Bind(1, absl::ToUnixMicros(now)).Bind(2, static_cast<int64_t>(limit));
  return ReadAll(stmt);
}

absl::Status SqliteTimerTable::MarkFired(int64_t id, absl::Time fired_at) {
  ENT_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("UPDATE workflow_timers SET state = ?2, fired_us = ?3 WHERE id = ?1 AND state = ?4"));
  stmt.Bind(1, id).Bind(2, kFired).Bind(3, absl::ToUnixMicros(fired_at)).Bind(4, kPending);
  ENT_RETURN_IF_ERROR(stmt.Run());
  if (conn_.Changes() != 1) {
    return absl::FailedPreconditionError(absl::StrCat("timer ", id, " was not pending when it fired"));
  }
  return absl::OkStatus();
}

absl::Status SqliteTimerTable::RecordFailure(int64_t id, const std::string& error,
                                             absl::Time retry_at, bool park) {
  ENT_ASSIGN_OR_RETURN(
      auto stmt, conn_.Prepare("UPDATE workflow_timers SET attempts = attempts + 1, last_error = ?2, "
                               "next_us = ?3, state = ?4 WHERE id = ?1 AND state = ?5"));
  stmt.Bind(1, id)
      .Bind(2, error.substr(0, 1000))
      .Bind(3, absl::ToUnixMicros(retry_at))
      .Bind(4, park ? kFailed : kPending)
      .Bind(5, kPending);
  ENT_RETURN_IF_ERROR(stmt.Run());
  if (conn_.Changes() != 1) {
    return absl::FailedPreconditionError(absl::StrCat("timer ", id, " is not pending"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<TimerRecord>> SqliteTimerTable::Get(int64_t id) {
  ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(absl::StrCat(
                                      "SELECT ", kColumns, " FROM workflow_timers WHERE id = ?1")));
  stmt.Bind(1, id);
  ENT_ASSIGN_OR_RETURN(std::vector<TimerRecord> rows, ReadAll(stmt));
  if (rows.empty()) return std::optional<TimerRecord>();
  return std::optional<TimerRecord>(std::move(rows[0]));
}

absl::StatusOr<TimerRecord> SqliteTimerTable::RetryFailed(int64_t id, absl::Time at) {
  ENT_ASSIGN_OR_RETURN(std::optional<TimerRecord> timer, Get(id));
  if (!timer) return absl::NotFoundError(absl::StrCat("timers/", id, " does not exist"));
  if (timer->state != TimerState::kFailed) {
    return absl::FailedPreconditionError(
        absl::StrCat("timers/", id, " is not parked as failed: only a failed timer is retried"));
  }
  ENT_ASSIGN_OR_RETURN(
      auto stmt, conn_.Prepare("UPDATE workflow_timers SET state = ?2, attempts = 0, next_us = ?3 "
                               "WHERE id = ?1 AND state = ?4"));
  stmt.Bind(1, id).Bind(2, kPending).Bind(3, absl::ToUnixMicros(at)).Bind(4, kFailed);
  ENT_RETURN_IF_ERROR(stmt.Run());
  timer->state = TimerState::kPending;
  timer->attempts = 0;
  timer->next_attempt = at;
  return *timer;
}

absl::StatusOr<std::vector<TimerRecord>> SqliteTimerTable::Failed(int64_t after_id, int limit) {
  ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(absl::StrCat(
                                      "SELECT ", kColumns,
                                      " FROM workflow_timers WHERE state = 3 AND id > ?2 "
                                      "ORDER BY id LIMIT ?3")));
  static_assert(kFailed == 3, "the partial index is on state = 3");
  stmt.Bind(2, after_id).Bind(3, static_cast<int64_t>(limit));
  return ReadAll(stmt);
}

absl::StatusOr<std::optional<absl::Time>> SqliteTimerTable::NextDue() {
  ENT_ASSIGN_OR_RETURN(auto stmt,
                       conn_.Prepare("SELECT MIN(next_us) FROM workflow_timers WHERE state = 0"));
  ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.ColumnIsNull(0)) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixMicros(stmt.ColumnInt64(0)));
}

absl::StatusOr<std::vector<TimerRecord>> SqliteTimerTable::Pending(
    std::pair<absl::Time, int64_t> after, int limit,
    const std::optional<std::vector<std::string>>& communes) {
  std::string sql = absl::StrCat("SELECT ", kColumns,
                                 " FROM workflow_timers WHERE state = 0 AND (due_us, id) > (?1, ?2)");
  if (communes) sql += " AND commune IN (SELECT value FROM json_each(?4))";
  sql += " ORDER BY due_us, id LIMIT ?3";
  ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql));
  stmt.Bind(1, absl::ToUnixMicros(after.first)).Bind(2, after.second).Bind(3, static_cast<int64_t>(limit));
  if (communes) {
    // INSEE codes are [0-9AB]: a JSON array needs no escaping.
    std::string array = "[";
    for (size_t i = 0; i < communes->size(); ++i) {
      absl::StrAppend(&array, i == 0 ? "" : ",", "\"", (*communes)[i], "\"");
    }
    stmt.Bind(4, array + "]");
  }
  return ReadAll(stmt);
}

}  // namespace ent::workflow
