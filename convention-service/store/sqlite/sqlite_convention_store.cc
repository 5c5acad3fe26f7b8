#include "convention-service/store/sqlite/sqlite_convention_store.h"

#include <functional>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"
#include "convention-service/domain/lifecycle.h"
#include "convention-service/store/convention_records.h"
#include "convention-service/store/legacy_json_records.h"
#include "workflow/sqlite/sqlite_timer_table.h"

namespace ent::convention {
namespace {

// One row per entity and state, kept by the triggers.
constexpr char kStateCountsSql[] =
    "SELECT entity, state, sum(n) FROM state_counts GROUP BY entity, state ORDER BY entity, state";

// State numbers written in the SQL below.
static_assert(static_cast<int>(State::kCancelled) == 7);
static_assert(static_cast<int>(DisputeState::kAwaitingConciliation) == 1 &&
              static_cast<int>(DisputeState::kConciliationFailed) == 3 &&
              static_cast<int>(DisputeState::kConciliationLapsed) == 4 &&
              static_cast<int>(DisputeState::kTerminating) == 5);

// A JSON array of strings, bound to SQL as a json_each() argument.
std::string EncodeStrings(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump();
}

constexpr char kOutboxRecordFormatSql[] = R"sql(
UPDATE record_formats SET message = 'the protobuf message payload_type names; no type: JSON of release fbf17cd'
  WHERE table_name = 'workflow_outbox' AND column_name = 'payload';
)sql";

// The notices queued as protobuf JSON become their bytes with their type;
// those of release fbf17cd (its own JSON) stay untyped, as they are.
absl::Status TypeQueuedNotices(sqlite::Connection& conn) {
  std::vector<std::pair<int64_t, std::string>> typed;
  {
    ENT_ASSIGN_OR_RETURN(auto select,
                         conn.Prepare("SELECT id, payload FROM workflow_outbox WHERE payload_type = ''"));
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      if (auto bytes = NoticeBytesFromJson(select.ColumnText(1))) {
        typed.emplace_back(select.ColumnInt64(0), std::move(*bytes));
      }
    }
  }
  for (const auto& [id, bytes] : typed) {
    ENT_ASSIGN_OR_RETURN(
        auto update, conn.Prepare("UPDATE workflow_outbox SET payload = ?1, payload_type = ?2 WHERE id = ?3"));
    update.BindBlob(1, bytes).Bind(2, kConventionNoticeType).Bind(3, id);
    ENT_RETURN_IF_ERROR(update.Run());
  }
  return absl::OkStatus();
}

absl::Status ReencodeLegacyRecords(sqlite::Connection& conn) {
  ENT_RETURN_IF_ERROR(sqlite::RewriteRows(
      conn, "SELECT id, body FROM conventions WHERE typeof(body) = 'text'", 1,
      "UPDATE conventions SET body = ?1 WHERE id = ?2",
      [](const std::vector<std::string>& row) -> absl::StatusOr<std::string> {
        ENT_ASSIGN_OR_RETURN(Convention c, DecodeLegacyConvention(row[1]));
        // Release fbf17cd did not store it: computed as it displayed it.
        if (c.deliberation) c.deliberation->appeal_deadline = AppealDeadline(*c.deliberation);
        return EncodeConvention(c);
      }));
  ENT_RETURN_IF_ERROR(sqlite::RewriteRows(
      conn,
      "SELECT convention_id, CAST(number AS TEXT), body FROM disputes "
      "WHERE typeof(body) = 'text'",
      2, "UPDATE disputes SET body = ?1 WHERE convention_id = ?2 AND number = CAST(?3 AS INTEGER)",
      [](const std::vector<std::string>& row) -> absl::StatusOr<std::string> {
        ENT_ASSIGN_OR_RETURN(Dispute d, DecodeLegacyDispute(row[2]));
        return EncodeDispute(d);
      }));
  ENT_RETURN_IF_ERROR(sqlite::RewriteRows(
      conn,
      "SELECT request_id, response_kind || ':' || response FROM request_log "
      "WHERE typeof(response) = 'text'",
      1, "UPDATE request_log SET response = ?1 WHERE request_id = ?2",
      [](const std::vector<std::string>& row) -> absl::StatusOr<std::string> {
        const size_t colon = row[1].find(':');
        const std::string kind = row[1].substr(0, colon);
        const std::string text = row[1].substr(colon + 1);
        if (kind == "dispute") {
          ENT_ASSIGN_OR_RETURN(Dispute d, DecodeLegacyDispute(text));
          return EncodeResponse(Response(std::move(d)));
        }
        ENT_ASSIGN_OR_RETURN(Convention c, DecodeLegacyConvention(text));
        return EncodeResponse(Response(std::move(c)));
      }));
  // The history is append-only: its guard is lifted for this one rewrite of
  // the encoding (same content), inside the migration's transaction.
  ENT_RETURN_IF_ERROR(conn.Exec("DROP TRIGGER convention_events_no_update"));
  ENT_RETURN_IF_ERROR(sqlite::RewriteRows(
      conn,
      "SELECT CAST(sequence AS TEXT), changes FROM convention_events "
      "WHERE typeof(changes) = 'text'",
      1, "UPDATE convention_events SET changes = ?1 WHERE sequence = CAST(?2 AS INTEGER)",
      [](const std::vector<std::string>& row) -> absl::StatusOr<std::string> {
        ENT_ASSIGN_OR_RETURN(std::vector<FieldChange> changes, DecodeLegacyChanges(row[1]));
        return EncodeChanges(changes);
      }));
  return conn.Exec(
      "CREATE TRIGGER convention_events_no_update BEFORE UPDATE ON convention_events "
      "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;");
}

const std::vector<sqlite::Migration>& Migrations() {
  static const auto* const migrations = new std::vector<sqlite::Migration>{
      // 1: conventions, their history, the responses kept for retries,
      // disputes, and the workflow's durable timers.
      std::string(R"sql(
CREATE TABLE conventions (
  id            TEXT PRIMARY KEY,
  commune_insee TEXT NOT NULL,
  school_year   TEXT NOT NULL,
  state         INTEGER NOT NULL,
  version       INTEGER NOT NULL,
  body          TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX conventions_by_commune ON conventions (commune_insee, id);
CREATE INDEX conventions_by_year ON conventions (school_year, id);
CREATE INDEX conventions_by_state ON conventions (state, id);

CREATE TABLE convention_events (
  sequence      INTEGER PRIMARY KEY,  -- rowid: increasing, never reused (rows are never deleted)
  convention_id TEXT NOT NULL,
  commune_insee TEXT NOT NULL,
  type          INTEGER NOT NULL,
  time_us       INTEGER NOT NULL,
  actor         TEXT NOT NULL,
  request_id    TEXT NOT NULL,
  description   TEXT NOT NULL,
  changes       TEXT NOT NULL,
  state         INTEGER NOT NULL
);
CREATE INDEX convention_events_by_convention ON convention_events (convention_id, sequence);
CREATE TRIGGER convention_events_no_update BEFORE UPDATE ON convention_events
  BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TRIGGER convention_events_no_delete BEFORE DELETE ON convention_events
  BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;

CREATE TABLE request_log (
  request_id    TEXT PRIMARY KEY,
  fingerprint   TEXT NOT NULL,
  response_kind TEXT NOT NULL,  -- 'convention' or 'dispute'
  response      TEXT NOT NULL,
  time_us       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE disputes (
  convention_id TEXT NOT NULL,
  number        INTEGER NOT NULL,
  commune_insee TEXT NOT NULL,
  state         INTEGER NOT NULL,
  deadline_day  TEXT,             -- last day of the pending deadline, if any
  version       INTEGER NOT NULL,
  body          TEXT NOT NULL,
  PRIMARY KEY (convention_id, number)
) WITHOUT ROWID;
CREATE INDEX disputes_by_state ON disputes (state, convention_id, number);
)sql") + workflow::TimerSchemaSql() + workflow::OutboxSchemaSql(),
      // 2: the date each timer's delay runs from (ComputedDeadline.from_date),
      // backfilled for the timers written before.
      std::string(workflow::TimerFromDayMigrationSql()) + R"sql(
UPDATE workflow_timers SET from_day = last_day WHERE kind = 'convention.expiry';
UPDATE workflow_timers SET from_day = date(last_day, '+60 days')
  WHERE kind = 'convention.renewal_reminder';
UPDATE workflow_timers SET from_day = COALESCE((
    SELECT json_extract(d.body, '$.conciliation_deadline.act') FROM disputes d
    WHERE workflow_timers.subject = 'conventions/' || d.convention_id || '/disputes/' || d.number), '')
  WHERE kind = 'dispute.conciliation_deadline';
UPDATE workflow_timers SET from_day = COALESCE((
    SELECT json_extract(d.body, '$.termination.deadline.act') FROM disputes d
    WHERE workflow_timers.subject = 'conventions/' || d.convention_id || '/disputes/' || d.number), '')
  WHERE kind = 'dispute.termination';
)sql",
      // 3: a timer that fails is retried on its own, then parked.
      workflow::TimerAttemptsMigrationSql(),
      // 4: retention (PruneBefore) by age.
      R"sql(
CREATE INDEX request_log_by_time ON request_log (time_us);
CREATE INDEX workflow_outbox_delivered ON workflow_outbox (state, delivered_us);
)sql",
      // 5: records at rest become binary protobuf (records.proto); the JSON
      // rows of earlier releases are re-encoded once, here.
      sqlite::Migration(std::string(sqlite::kRecordFormatsTableSql) + R"sql(
INSERT INTO record_formats VALUES
  ('conventions', 'body', 'ent.convention.storage.v1.ConventionRecord'),
  ('disputes', 'body', 'ent.convention.storage.v1.DisputeRecord'),
  ('convention_events', 'changes', 'ent.convention.storage.v1.EventChangesRecord'),
  ('request_log', 'response', 'ent.convention.storage.v1.StoredResponseRecord'),
  ('workflow_outbox', 'payload', 'ent.billing.v1.ConventionNotice (protobuf JSON)');
-- What the rules across conventions query, and the constraints that back
-- them when several writers run at once (see convention_store.h).
ALTER TABLE conventions ADD COLUMN effective_date TEXT;  -- NULL until it takes effect
ALTER TABLE conventions ADD COLUMN last_day TEXT NOT NULL DEFAULT '';  -- last day in force
ALTER TABLE conventions ADD COLUMN renews TEXT NOT NULL DEFAULT '';
UPDATE conventions SET
  effective_date = json_extract(body, '$.effective_date'),
  last_day = COALESCE(json_extract(body, '$.last_day_in_force'), json_extract(body, '$.end_date')),
  renews = COALESCE(json_extract(body, '$.renews'), '')
  WHERE typeof(body) = 'text';
CREATE INDEX conventions_in_force ON conventions (commune_insee, effective_date)
  WHERE effective_date IS NOT NULL;
CREATE UNIQUE INDEX conventions_one_renewal ON conventions (renews)
  WHERE renews != '' AND state != 7;  -- not CANCELLED
CREATE UNIQUE INDEX disputes_one_open ON disputes (convention_id)
  WHERE state IN (1, 3, 4, 5);  -- Dispute::IsOpen
)sql",
                        ReencodeLegacyRecords),
      // 6: the row the health probe rewrites (a durable write each interval).
      "CREATE TABLE health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at_us INTEGER NOT NULL);",
      // 7: conventions and disputes counted by state as they change, so that
      // metrics read a few rows per scrape, never the tables.
      R"sql(
CREATE TABLE state_counts (
  entity TEXT NOT NULL,     -- 'convention' or 'dispute'
  state  INTEGER NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (entity, state)
) WITHOUT ROWID;
INSERT INTO state_counts SELECT 'convention', state, count(*) FROM conventions GROUP BY state;
INSERT INTO state_counts SELECT 'dispute', state, count(*) FROM disputes GROUP BY state;
CREATE TRIGGER conventions_counted_insert AFTER INSERT ON conventions BEGIN
  INSERT INTO state_counts VALUES ('convention', NEW.state, 1)
    ON CONFLICT (entity, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER conventions_counted_update AFTER UPDATE OF state ON conventions
  WHEN OLD.state != NEW.state BEGIN
  UPDATE state_counts SET n = n - 1 WHERE entity = 'convention' AND state = OLD.state;
  INSERT INTO state_counts VALUES ('convention', NEW.state, 1)
    ON CONFLICT (entity, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER disputes_counted_insert AFTER INSERT ON disputes BEGIN
  INSERT INTO state_counts VALUES ('dispute', NEW.state, 1)
    ON CONFLICT (entity, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER disputes_counted_update AFTER UPDATE OF state ON disputes
  WHEN OLD.state != NEW.state BEGIN
  UPDATE state_counts SET n = n - 1 WHERE entity = 'dispute' AND state = OLD.state;
  INSERT INTO state_counts VALUES ('dispute', NEW.state, 1)
    ON CONFLICT (entity, state) DO UPDATE SET n = n + 1;
END;
)sql",
      // 8: the outbox finds its next batch in id order (a storm of notices no
      // longer makes each batch read every pending one).
      workflow::OutboxOrderMigrationSql(),
      // 9: timer indexes of pending timers only: firing one removes it from
      // them (instead of moving it within four indexes).
      workflow::TimerPartialIndexesMigrationSql(),
      // 10: each notice as its protobuf bytes with its type's name.
      sqlite::Migration(std::string(workflow::OutboxPayloadTypeMigrationSql()) + kOutboxRecordFormatSql,
                        TypeQueuedNotices),
  };
  return *migrations;
}

// Reads and writes on one connection; lives for one unit of work. A read
// transaction (`cache` set) reads through the cache; a write transaction
// records what it puts in `puts`.
class SqliteTx final : public ConventionWriter {
 public:
  // `written` (write transactions) collects what it puts and appends.
  SqliteTx(sqlite::Connection& conn, ConventionCache* cache, SqliteConventionStore::Written* written)
      : conn_(conn), cache_(cache), written_(written) {}

  absl::StatusOr<std::optional<Convention>> Get(const std::string& id) override {
    if (cache_ != nullptr) {
      if (auto hit = cache_->Lookup(id)) return std::optional<Convention>(*hit);
    }
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT body FROM conventions WHERE id = ?1"));
    stmt.Bind(1, id);
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Convention>();
    ENT_ASSIGN_OR_RETURN(Convention c, DecodeConvention(stmt.ColumnText(0)));
    if (cache_ != nullptr) cache_->Offer(c);
    return std::optional<Convention>(std::move(c));
  }

  absl::StatusOr<std::vector<Convention>> List(const ListFilter& filter,
                                               const std::string& after_id, int limit) override {
    std::string sql = "SELECT body FROM conventions WHERE id > ?1";
    if (!filter.commune_insee.empty()) sql += " AND commune_insee = ?2";
    if (!filter.communes_in.empty()) {
      sql += " AND commune_insee IN (SELECT value FROM json_each(?6))";
    }
    if (filter.state) sql += " AND state = ?3";
    if (filter.school_year) sql += " AND school_year = ?4";
    sql += " ORDER BY id LIMIT ?5";
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql));
    stmt.Bind(1, after_id);
    if (!filter.commune_insee.empty()) stmt.Bind(2, filter.commune_insee);
    if (filter.state) stmt.Bind(3, static_cast<int64_t>(*filter.state));
    if (filter.school_year) stmt.Bind(4, filter.school_year->ToString());
    stmt.Bind(5, static_cast<int64_t>(limit));
    if (!filter.communes_in.empty()) stmt.Bind(6, EncodeStrings(filter.communes_in));
    std::vector<Convention> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      ENT_ASSIGN_OR_RETURN(Convention c, DecodeConvention(stmt.ColumnText(0)));
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventFilter& filter,
                                                      int64_t after_sequence, int limit) override {
    std::string sql =
        "SELECT sequence, convention_id, commune_insee, type, time_us, actor, request_id, "
        "description, changes, state FROM convention_events WHERE sequence > ?2";
    if (!filter.convention_id.empty()) sql += " AND convention_id = ?1";
    if (!filter.communes_in.empty()) {
      sql += " AND commune_insee IN (SELECT value FROM json_each(?4))";
    }
    sql += " ORDER BY sequence LIMIT ?3";
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql));
    if (!filter.convention_id.empty()) stmt.Bind(1, filter.convention_id);
    if (!filter.communes_in.empty()) stmt.Bind(4, EncodeStrings(filter.communes_in));
    stmt.Bind(2, after_sequence).Bind(3, static_cast<int64_t>(limit));
    std::vector<EventRecord> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      EventRecord r;
      r.sequence = stmt.ColumnInt64(0);
      r.event.convention_id = stmt.ColumnText(1);
      r.event.commune_insee = stmt.ColumnText(2);
      r.event.type = static_cast<EventType>(stmt.ColumnInt64(3));
      r.time = absl::FromUnixMicros(stmt.ColumnInt64(4));
      r.actor = stmt.ColumnText(5);
      r.request_id = stmt.ColumnText(6);
      r.event.description = stmt.ColumnText(7);
      ENT_ASSIGN_OR_RETURN(r.event.changes, DecodeChanges(stmt.ColumnText(8)));
      r.event.state = static_cast<State>(stmt.ColumnInt64(9));
      out.push_back(std::move(r));
    }
    return out;
  }

  absl::Status Put(const Convention& c) override {
    const bool insert = c.version == 1;
    ENT_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare(insert ? "INSERT INTO conventions (id, commune_insee, school_year, state, "
                               "version, body, effective_date, last_day, renews) VALUES (?1, ?2, "
                               "?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING"
                             : "UPDATE conventions SET commune_insee = ?2, school_year = ?3, "
                               "state = ?4, version = ?5, body = ?6, effective_date = ?7, "
                               "last_day = ?8, renews = ?9 WHERE id = ?1 AND version = ?5 - 1"));
    stmt.Bind(1, c.id)
        .Bind(2, c.commune.insee_code)
        .Bind(3, c.school_year.ToString())
        .Bind(4, static_cast<int64_t>(c.state))
        .Bind(5, c.version)
        .BindBlob(6, EncodeConvention(c))
        .Bind(8, FormatIsoDate(c.LastDayInForce()))
        .Bind(9, c.renews);
    if (c.effective_date) {
      stmt.Bind(7, FormatIsoDate(*c.effective_date));
    } else {
      stmt.BindNull(7);
    }
    ENT_RETURN_IF_ERROR(stmt.Run());
    if (conn_.Changes() != 1) {
      return absl::AbortedError(
          insert ? absl::StrCat("conventions/", c.id, " was created concurrently: retry")
                 : absl::StrCat("conventions/", c.id, " was changed concurrently (version ",
                                c.version - 1, " is no longer the stored one): retry"));
    }
    if (written_ != nullptr) written_->puts.push_back(std::make_shared<const Convention>(c));
    return absl::OkStatus();
  }

  // One writer: the transaction already excludes every other writer.
  absl::Status LockCommune(const std::string&) override { return absl::OkStatus(); }

  absl::StatusOr<std::vector<Convention>> InForceDuring(const std::string& commune, CivilDate from,
                                                        CivilDate to,
                                                        const std::string& except_id) override {
    ENT_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("SELECT body FROM conventions WHERE commune_insee = ?1 AND effective_date "
                      "IS NOT NULL AND effective_date <= ?3 AND last_day >= ?2 AND id != ?4 "
                      "ORDER BY id"));
    stmt.Bind(1, commune).Bind(2, FormatIsoDate(from)).Bind(3, FormatIsoDate(to)).Bind(4, except_id);
    return Conventions(stmt);
  }

  absl::StatusOr<std::optional<Convention>> RenewalOf(const std::string& id) override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT body FROM conventions WHERE renews = ?1 "
                                                  "AND state != 7 LIMIT 1"));
    stmt.Bind(1, id);
    ENT_ASSIGN_OR_RETURN(std::vector<Convention> found, Conventions(stmt));
    if (found.empty()) return std::optional<Convention>();
    return std::optional<Convention>(std::move(found[0]));
  }

  absl::Status AppendEvent(const EventRecord& r) override {
    ENT_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("INSERT INTO convention_events (convention_id, type, time_us, actor, "
                      "request_id, description, changes, state, commune_insee) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    stmt.Bind(1, r.event.convention_id)
        .Bind(9, r.event.commune_insee)
        .Bind(2, static_cast<int64_t>(r.event.type))
        .Bind(3, absl::ToUnixMicros(r.time))
        .Bind(4, r.actor)
        .Bind(5, r.request_id)
        .Bind(6, r.event.description)
        .BindBlob(7, EncodeChanges(r.event.changes))
        .Bind(8, static_cast<int64_t>(r.event.state));
    ENT_RETURN_IF_ERROR(stmt.Run());
    const int64_t sequence = conn_.LastInsertRowId();
    if (written_ != nullptr) {
      written_->events.push_back(r);
      written_->events.back().sequence = sequence;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<StoredResponse>> FindResponse(const std::string& request_id) override {
    ENT_ASSIGN_OR_RETURN(auto stmt,
                         conn_.Prepare("SELECT fingerprint, response_kind, response FROM "
                                       "request_log WHERE request_id = ?1"));
    stmt.Bind(1, request_id);
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<StoredResponse>();
    StoredResponse out{request_id, stmt.ColumnText(0), Convention()};
    ENT_ASSIGN_OR_RETURN(out.response, DecodeResponse(stmt.ColumnText(2)));
    return std::optional<StoredResponse>(std::move(out));
  }

  absl::Status SaveResponse(const StoredResponse& r, absl::Time time) override {
    ENT_ASSIGN_OR_RETURN(auto stmt,
                         conn_.Prepare("INSERT INTO request_log (request_id, fingerprint, "
                                       "response_kind, response, time_us) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5)"));
    stmt.Bind(1, r.request_id).Bind(2, r.fingerprint).Bind(5, absl::ToUnixMicros(time));
    stmt.Bind(3, std::holds_alternative<Dispute>(r.response) ? "dispute" : "convention")
        .BindBlob(4, EncodeResponse(r.response));
    return stmt.Run();
  }

  absl::Status PutDispute(const Dispute& d) override {
    const bool insert = d.version == 1;
    ENT_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare(insert ? "INSERT INTO disputes (convention_id, number, commune_insee, state, "
                               "deadline_day, version, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                               "ON CONFLICT (convention_id, number) DO NOTHING"
                             : "UPDATE disputes SET commune_insee = ?3, state = ?4, deadline_day = "
                               "?5, version = ?6, body = ?7 WHERE convention_id = ?1 AND number = "
                               "?2 AND version = ?6 - 1"));
    std::optional<std::string> deadline;
    if (d.state == DisputeState::kAwaitingConciliation) {
      deadline = FormatIsoDate(d.conciliation_deadline.last_day);
    } else if (d.state == DisputeState::kTerminating && d.termination) {
      deadline = FormatIsoDate(d.termination->effective_deadline.last_day);
    }
    stmt.Bind(1, d.convention_id)
        .Bind(2, d.number)
        .Bind(3, d.commune_insee)
        .Bind(4, static_cast<int64_t>(d.state))
        .Bind(5, deadline)
        .Bind(6, d.version)
        .BindBlob(7, EncodeDispute(d));
    ENT_RETURN_IF_ERROR(stmt.Run());
    if (conn_.Changes() != 1) {
      return absl::AbortedError(
          insert ? absl::StrCat(d.Name(), " was opened concurrently: retry")
                 : absl::StrCat(d.Name(), " was changed concurrently (version ", d.version - 1,
                                " is no longer the stored one): retry"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Dispute>> OpenDisputeOf(const std::string& convention_id) override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT body FROM disputes WHERE convention_id "
                                                  "= ?1 AND state IN (1, 3, 4, 5) LIMIT 1"));
    stmt.Bind(1, convention_id);
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Dispute>();
    ENT_ASSIGN_OR_RETURN(Dispute d, DecodeDispute(stmt.ColumnText(0)));
    return std::optional<Dispute>(std::move(d));
  }

  absl::StatusOr<std::vector<StateCount>> CountStates() override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kStateCountsSql));
    std::vector<StateCount> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back({stmt.ColumnText(0), static_cast<int>(stmt.ColumnInt64(1)), stmt.ColumnInt64(2)});
    }
    return out;
  }

  absl::StatusOr<int64_t> LastDisputeNumber(const std::string& convention_id) override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT COALESCE(MAX(number), 0) FROM disputes "
                                                  "WHERE convention_id = ?1"));
    stmt.Bind(1, convention_id);
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    return row ? stmt.ColumnInt64(0) : 0;
  }

  absl::StatusOr<std::optional<Dispute>> GetDispute(const std::string& convention_id,
                                                    int64_t number) override {
    ENT_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("SELECT body FROM disputes WHERE convention_id = ?1 AND number = ?2"));
    stmt.Bind(1, convention_id).Bind(2, number);
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Dispute>();
    ENT_ASSIGN_OR_RETURN(Dispute d, DecodeDispute(stmt.ColumnText(0)));
    return std::optional<Dispute>(std::move(d));
  }

  absl::StatusOr<std::vector<Dispute>> ListDisputes(const DisputeFilter& filter,
                                                    const std::pair<std::string, int64_t>& after,
                                                    int limit) override {
    std::string sql = "SELECT body FROM disputes WHERE (convention_id, number) > (?1, ?2)";
    if (!filter.convention_id.empty()) sql += " AND convention_id = ?3";
    if (!filter.communes_in.empty()) {
      sql += " AND commune_insee IN (SELECT value FROM json_each(?4))";
    }
    if (filter.state) sql += " AND state = ?5";
    if (filter.deadline_before) sql += " AND deadline_day IS NOT NULL AND deadline_day < ?6";
    sql += " ORDER BY convention_id, number LIMIT ?7";
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql));
    stmt.Bind(1, after.first).Bind(2, after.second).Bind(7, static_cast<int64_t>(limit));
    if (!filter.convention_id.empty()) stmt.Bind(3, filter.convention_id);
    if (!filter.communes_in.empty()) stmt.Bind(4, EncodeStrings(filter.communes_in));
    if (filter.state) stmt.Bind(5, static_cast<int64_t>(*filter.state));
    if (filter.deadline_before) stmt.Bind(6, FormatIsoDate(*filter.deadline_before));
    std::vector<Dispute> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      ENT_ASSIGN_OR_RETURN(Dispute d, DecodeDispute(stmt.ColumnText(0)));
      out.push_back(std::move(d));
    }
    return out;
  }

  workflow::TimerTable& timers() override { return timers_; }
  workflow::OutboxWriter& outbox() override { return outbox_; }

 private:
  // The JSON of `c`, reusing the last encoding when it is the same version
  absl::Status Isolated(const std::function<absl::Status()>& work) override {
    ENT_RETURN_IF_ERROR(RunCached("SAVEPOINT isolated"));
    const size_t puts_before = written_ != nullptr ? written_->puts.size() : 0;
    const size_t events_before = written_ != nullptr ? written_->events.size() : 0;
    absl::Status st = work();
    if (st.ok()) {
      ENT_RETURN_IF_ERROR(RunCached("RELEASE isolated"));
      return st;
    }
    // Undo its rows, and forget what it would have put in the cache.
    ENT_RETURN_IF_ERROR(RunCached("ROLLBACK TO isolated"));
    ENT_RETURN_IF_ERROR(RunCached("RELEASE isolated"));
    if (written_ != nullptr) {
      written_->puts.resize(puts_before);
      written_->events.resize(events_before);
    }
    return st;
  }

  absl::StatusOr<int64_t> PruneBefore(absl::Time cutoff, int limit) override {
    int64_t pruned = 0;
    for (const std::string& sql : RetentionStatements()) {
      ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(absl::StrReplaceAll(sql, {{"$1", "?1"}, {"$2", "?2"}})));
      stmt.Bind(1, absl::ToUnixMicros(cutoff)).Bind(2, static_cast<int64_t>(limit));
      ENT_RETURN_IF_ERROR(stmt.Run());
      pruned += conn_.Changes();
    }
    return pruned;
  }

  // Every row of `stmt` (a SELECT of bodies), decoded.
  absl::StatusOr<std::vector<Convention>> Conventions(sqlite::Statement& stmt) {
    std::vector<Convention> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      ENT_ASSIGN_OR_RETURN(Convention c, DecodeConvention(stmt.ColumnText(0)));
      out.push_back(std::move(c));
    }
  }

  absl::Status RunCached(const char* sql) {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql));
    return stmt.Run();
  }

  sqlite::Connection& conn_;
  workflow::SqliteTimerTable timers_{conn_};
  workflow::SqliteOutboxWriter outbox_{conn_};
  ConventionCache* const cache_;
  SqliteConventionStore::Written* const written_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteConventionStore>> SqliteConventionStore::Open(
    const std::string& path) {
  sqlite::Database::Options options;
  options.path = path;
  options.migrations = Migrations();
  ENT_ASSIGN_OR_RETURN(auto db, sqlite::Database::Open(std::move(options)));
  std::unique_ptr<SqliteConventionStore> store(new SqliteConventionStore());
  store->db_ = std::move(db);
  store->outbox_store_ = std::make_unique<workflow::SqliteOutboxStore>(*store->db_);
  store->db_->SetAfterBatch([raw = store.get()](bool committed) -> std::function<void()> {
    Written batch = std::move(raw->batch_);
    raw->batch_ = {};
    if (!committed) return nullptr;
    raw->cache_.Publish(std::move(batch.puts));
    if (batch.events.empty() || !raw->events_observer_) return nullptr;
    return [raw, events = std::move(batch.events)] { raw->events_observer_(events); };
  });
  return store;
}

void SqliteConventionStore::Write(std::function<absl::Status(ConventionWriter&)> work,
                                  std::function<void(absl::Status)> done, absl::Time /*deadline*/) {
  // One process, a local file: no wait here is long enough to need one.
  db_->Write(
      [this, work = std::move(work)](sqlite::Connection& conn) {
        Written written;
        SqliteTx tx(conn, nullptr, &written);
        absl::Status status = work(tx);
        // Only a job that succeeds (its savepoint is kept) may reach the cache
        // and the events' observer.
        if (status.ok()) {
          for (auto& c : written.puts) batch_.puts.push_back(std::move(c));
          for (auto& e : written.events) batch_.events.push_back(std::move(e));
        }
        return status;
      },
      std::move(done));
}

void SqliteConventionStore::Read(const std::function<void(ConventionReader&)>& work) {
  db_->ReadNow([this, &work](sqlite::Connection& conn) {
    SqliteTx tx(conn, &cache_, nullptr);
    work(tx);
  });
}

void SqliteConventionStore::ReadAsync(std::function<void(ConventionReader&)> work) {
  db_->ReadAsync([this, work = std::move(work)](sqlite::Connection& conn) {
    SqliteTx tx(conn, &cache_, nullptr);
    work(tx);
  });
}

}  // namespace ent::convention
