#include "convention-service/store/postgres/postgres_convention_store.h"

#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/log_sink.h"
#include "common/metrics/metrics.h"
#include "common/resource_names.h"
#include "common/status_macros.h"
#include "convention-service/store/convention_records.h"
#include "workflow/postgres/postgres_timer_table.h"

namespace ent::convention {
namespace {

// The changes appended by the triggers since retention last folded them, summed.
constexpr char kStateCountsSql[] =
    "SELECT entity, state, sum(n) FROM state_counts GROUP BY entity, state ORDER BY entity, state";

using postgres::Params;
using postgres::Result;

// State numbers written in the SQL below.
static_assert(static_cast<int>(State::kCancelled) == 7);
static_assert(static_cast<int>(DisputeState::kAwaitingConciliation) == 1 &&
              static_cast<int>(DisputeState::kConciliationFailed) == 3 &&
              static_cast<int>(DisputeState::kConciliationLapsed) == 4 &&
              static_cast<int>(DisputeState::kTerminating) == 5);

// A text[] literal of INSEE codes or ids (no quotes, commas or braces in them).
std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", "\"", values[i], "\"");
  }
  return out + "}";
}

// The schema of SQLite's nine migrations, as it stands after them, is
// migration 1 here; 2-9 keep the numbering aligned. From 10, what only
// several instances need (SQLite, owned by one process, stays at 9).
constexpr char kOutboxRecordFormatSql[] = R"sql(
UPDATE record_formats SET message = 'the protobuf message payload_type names; no type: JSON of release fbf17cd'
  WHERE table_name = 'workflow_outbox' AND column_name = 'payload';
)sql";

// The notices queued as protobuf JSON become their bytes with their type;
// those of release fbf17cd (its own JSON) stay untyped, as they are.
absl::Status TypeQueuedNotices(postgres::Connection& conn) {
  ENT_ASSIGN_OR_RETURN(Result r, conn.Query("SELECT id, payload FROM workflow_outbox WHERE payload_type = ''"));
  for (int i = 0; i < r.rows(); ++i) {
    auto bytes = NoticeBytesFromJson(r.Bytes(i, 1));
    if (!bytes) continue;
    ENT_RETURN_IF_ERROR(
        conn.Query("UPDATE workflow_outbox SET payload = $1, payload_type = $2 WHERE id = $3",
                   Params().Bytes(std::move(*bytes)).Text(kConventionNoticeType).Int(r.Int(i, 0)))
            .status());
  }
  return absl::OkStatus();
}

const std::vector<postgres::Migration>& Migrations() {
  static const auto* const migrations = new std::vector<postgres::Migration>{
      std::string(postgres::kRefuseChangeFunctionSql) + postgres::kRecordFormatsTableSql + R"sql(
CREATE TABLE conventions (
  id             TEXT PRIMARY KEY,
  commune_insee  TEXT NOT NULL,
  school_year    TEXT NOT NULL,
  state          INTEGER NOT NULL,
  version        BIGINT NOT NULL,
  body           BYTEA NOT NULL,
  effective_date TEXT,                     -- NULL until it takes effect
  last_day       TEXT NOT NULL DEFAULT '',  -- last day in force
  renews         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conventions_by_commune ON conventions (commune_insee, id);
CREATE INDEX conventions_by_year ON conventions (school_year, id);
CREATE INDEX conventions_by_state ON conventions (state, id);
CREATE INDEX conventions_in_force ON conventions (commune_insee, effective_date)
  WHERE effective_date IS NOT NULL;
CREATE UNIQUE INDEX conventions_one_renewal ON conventions (renews)
  WHERE renews != '' AND state != 7;  -- not CANCELLED

-- The history: sequences from one counter row, locked by the appending
-- transaction until it ends (commit-ordered, gap-free).
CREATE TABLE event_sequence (id INTEGER PRIMARY KEY CHECK (id = 1), last BIGINT NOT NULL);
INSERT INTO event_sequence VALUES (1, 0);
CREATE TABLE convention_events (
  sequence      BIGINT PRIMARY KEY,
  convention_id TEXT NOT NULL,
  commune_insee TEXT NOT NULL,
  type          INTEGER NOT NULL,
  time_us       BIGINT NOT NULL,
  actor         TEXT NOT NULL,
  request_id    TEXT NOT NULL,
  description   TEXT NOT NULL,
  changes       BYTEA NOT NULL,
  state         INTEGER NOT NULL
);
CREATE INDEX convention_events_by_convention ON convention_events (convention_id, sequence);
CREATE TRIGGER convention_events_append_only BEFORE UPDATE OR DELETE ON convention_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change('history is append-only');
CREATE TRIGGER convention_events_no_truncate BEFORE TRUNCATE ON convention_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('history is append-only');

CREATE TABLE request_log (
  request_id    TEXT PRIMARY KEY,
  fingerprint   TEXT NOT NULL,
  response_kind TEXT NOT NULL,  -- 'convention' or 'dispute'
  response      BYTEA NOT NULL,
  time_us       BIGINT NOT NULL
);
CREATE INDEX request_log_by_time ON request_log (time_us);

CREATE TABLE disputes (
  convention_id TEXT NOT NULL,
  number        BIGINT NOT NULL,
  commune_insee TEXT NOT NULL,
  state         INTEGER NOT NULL,
  deadline_day  TEXT,
  version       BIGINT NOT NULL,
  body          BYTEA NOT NULL,
  PRIMARY KEY (convention_id, number)
);
CREATE INDEX disputes_by_state ON disputes (state, convention_id, number);
CREATE UNIQUE INDEX disputes_one_open ON disputes (convention_id)
  WHERE state IN (1, 3, 4, 5);  -- Dispute::IsOpen

INSERT INTO record_formats VALUES
  ('conventions', 'body', 'ent.convention.storage.v1.ConventionRecord'),
  ('disputes', 'body', 'ent.convention.storage.v1.DisputeRecord'),
  ('convention_events', 'changes', 'ent.convention.storage.v1.EventChangesRecord'),
  ('request_log', 'response', 'ent.convention.storage.v1.StoredResponseRecord'),
  ('workflow_outbox', 'payload', 'ent.billing.v1.ConventionNotice (protobuf JSON)');

CREATE TABLE health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at_us BIGINT NOT NULL);

-- Conventions and disputes counted by state as they change (metrics): each
-- change appends its +1 and -1 (no row every writer updates, which would
-- serialize them until commit); the count of a state is the sum of its
-- rows, folded into one row per state by retention (kFoldStateCountsSql).
CREATE TABLE state_counts (
  entity TEXT NOT NULL,
  state  INTEGER NOT NULL,
  n      BIGINT NOT NULL
);
CREATE INDEX state_counts_by_state ON state_counts (entity, state);
CREATE FUNCTION counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.state = NEW.state THEN RETURN NULL; END IF;
    INSERT INTO state_counts VALUES (TG_ARGV[0], OLD.state, -1);
  END IF;
  INSERT INTO state_counts VALUES (TG_ARGV[0], NEW.state, 1);
  RETURN NULL;
END $$;
CREATE TRIGGER conventions_counted AFTER INSERT OR UPDATE OF state ON conventions
  FOR EACH ROW EXECUTE FUNCTION counted('convention');
CREATE TRIGGER disputes_counted AFTER INSERT OR UPDATE OF state ON disputes
  FOR EACH ROW EXECUTE FUNCTION counted('dispute');
)sql" + workflow::PostgresTimerSchemaSql() + workflow::PostgresOutboxSchemaSql(),
      "SELECT 1  -- 2: the timers' from_day (in 1 here)",
      "SELECT 1  -- 3: timer attempts (in 1 here)",
      "SELECT 1  -- 4: retention indexes (in 1 here)",
      "SELECT 1  -- 5: records as protobuf, rule columns and constraints (in 1 here)",
      "SELECT 1  -- 6: the health probe's row (in 1 here)",
      "SELECT 1  -- 7: state counts (in 1 here)",
      "SELECT 1  -- 8: the outbox's order index (in 1 here)",
      "SELECT 1  -- 9: partial timer indexes (in 1 here)",
      // 10: several instances: every engine hears of a timer made pending,
      // whoever wrote it; the outbox lease's epoch fences deposed dispatchers.
      std::string(workflow::PostgresTimerNotifySql()) + workflow::PostgresOutboxLeaseSql(),
      // 11: each notice as its protobuf bytes with its type's name; those
      // queued as protobuf JSON are typed here, release fbf17cd's stay as
      // they are.
      postgres::Migration(std::string(workflow::PostgresOutboxPayloadTypeSql()) + kOutboxRecordFormatSql,
                          TypeQueuedNotices),
  };
  return *migrations;
}

absl::StatusOr<std::vector<Convention>> Conventions(const Result& r) {
  std::vector<Convention> out;
  for (int i = 0; i < r.rows(); ++i) {
    ENT_ASSIGN_OR_RETURN(Convention c, DecodeConvention(r.Bytes(i, 0)));
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<Dispute>> Disputes(const Result& r) {
  std::vector<Dispute> out;
  for (int i = 0; i < r.rows(); ++i) {
    ENT_ASSIGN_OR_RETURN(Dispute d, DecodeDispute(r.Bytes(i, 0)));
    out.push_back(std::move(d));
  }
  return out;
}

// state_counts folded into one row per entity and state. One statement: it
// takes the rows committed before it; changes appended meanwhile stay as they
// are, summed with the rest by the readers (store_metrics.cc); a concurrent
// fold skips the rows this one deleted.
constexpr char kFoldStateCountsSql[] =
    "WITH gone AS (DELETE FROM state_counts RETURNING entity, state, n) "
    "INSERT INTO state_counts SELECT entity, state, sum(n) FROM gone GROUP BY entity, state";

constexpr char kEventColumns[] =
    "sequence, convention_id, commune_insee, type, time_us, actor, request_id, description, "
    "changes, state";

absl::StatusOr<std::vector<EventRecord>> Events(const Result& r) {
  std::vector<EventRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    EventRecord e;
    e.sequence = r.Int(i, 0);
    e.event.convention_id = r.Text(i, 1);
    e.event.commune_insee = r.Text(i, 2);
    e.event.type = static_cast<EventType>(r.Int(i, 3));
    e.time = absl::FromUnixMicros(r.Int(i, 4));
    e.actor = r.Text(i, 5);
    e.request_id = r.Text(i, 6);
    e.event.description = r.Text(i, 7);
    ENT_ASSIGN_OR_RETURN(e.event.changes, DecodeChanges(r.Bytes(i, 8)));
    e.event.state = static_cast<State>(r.Int(i, 9));
    out.push_back(std::move(e));
  }
  return out;
}

// A WHERE clause and its parameters, numbered as they are added.
struct Where {
  std::string sql;
  Params params;
  std::string Next() { return absl::StrCat("$", params.size()); }
  void Text(const std::string& condition_before, std::string value, const std::string& after = "") {
    params.Text(std::move(value));
    absl::StrAppend(&sql, sql.empty() ? "" : " AND ", condition_before, Next(), after);
  }
};

class PgTx final : public ConventionWriter {
 public:
  PgTx(postgres::Connection& conn, bool writable)
      : conn_(conn), timers_(conn, writable), outbox_(conn), lock_(writable ? " FOR UPDATE" : "") {}

  absl::StatusOr<std::optional<Convention>> Get(const std::string& id) override {
    if (auto it = preloaded_.find(id); it != preloaded_.end()) return it->second;
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT body FROM conventions WHERE id = $1", lock_),
                                               Params().Text(id)));
    ENT_ASSIGN_OR_RETURN(std::vector<Convention> found, Conventions(r));
    if (found.empty()) return std::optional<Convention>();
    return std::optional<Convention>(std::move(found[0]));
  }

  absl::StatusOr<std::vector<Convention>> List(const ListFilter& filter, const std::string& after_id,
                                               int limit) override {
    Where w;
    w.Text("id > ", after_id);
    if (!filter.commune_insee.empty()) w.Text("commune_insee = ", filter.commune_insee);
    if (!filter.communes_in.empty()) w.Text("commune_insee = ANY (", TextArray(filter.communes_in), "::text[])");
    if (filter.state) w.Text("state = ", absl::StrCat(static_cast<int>(*filter.state)), "::integer");
    if (filter.school_year) w.Text("school_year = ", filter.school_year->ToString());
    w.params.Int(limit);
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT body FROM conventions WHERE ", w.sql,
                                                            " ORDER BY id LIMIT ", w.Next()),
                                               w.params));
    return Conventions(r);
  }

  absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventFilter& filter, int64_t after_sequence,
                                                      int limit) override {
    Where w;
    w.Text("sequence > ", absl::StrCat(after_sequence), "::bigint");
    if (!filter.convention_id.empty()) w.Text("convention_id = ", filter.convention_id);
    if (!filter.communes_in.empty()) w.Text("commune_insee = ANY (", TextArray(filter.communes_in), "::text[])");
    w.params.Int(limit);
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT ", kEventColumns,
                                                            " FROM convention_events WHERE ", w.sql,
                                                            " ORDER BY sequence LIMIT ", w.Next()),
                                               w.params));
    return Events(r);
  }

  absl::StatusOr<std::vector<Convention>> InForceDuring(const std::string& commune, CivilDate from,
                                                        CivilDate to, const std::string& except_id) override {
    ENT_ASSIGN_OR_RETURN(
        Result r, conn_.Query("SELECT body FROM conventions WHERE commune_insee = $1 AND effective_date "
                              "IS NOT NULL AND effective_date <= $3 AND last_day >= $2 AND id != $4 "
                              "ORDER BY id",
                              Params().Text(commune).Text(FormatIsoDate(from)).Text(FormatIsoDate(to)).Text(
                                  except_id)));
    return Conventions(r);
  }

  absl::StatusOr<std::optional<Convention>> RenewalOf(const std::string& id) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT body FROM conventions WHERE renews = $1 AND "
                                               "renews != '' AND state != 7 LIMIT 1",
                                               Params().Text(id)));
    ENT_ASSIGN_OR_RETURN(std::vector<Convention> found, Conventions(r));
    if (found.empty()) return std::optional<Convention>();
    return std::optional<Convention>(std::move(found[0]));
  }

  absl::StatusOr<std::optional<Dispute>> GetDispute(const std::string& convention_id,
                                                    int64_t number) override {
    if (preloaded_.count(convention_id) > 0) {
      auto it = preloaded_disputes_.find({convention_id, number});
      return it == preloaded_disputes_.end() ? std::optional<Dispute>() : it->second;
    }
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT body FROM disputes WHERE convention_id = $1 "
                                                            "AND number = $2",
                                                            lock_),
                                               Params().Text(convention_id).Int(number)));
    ENT_ASSIGN_OR_RETURN(std::vector<Dispute> found, Disputes(r));
    if (found.empty()) return std::optional<Dispute>();
    return std::optional<Dispute>(std::move(found[0]));
  }

  absl::StatusOr<std::optional<Dispute>> OpenDisputeOf(const std::string& convention_id) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT body FROM disputes WHERE convention_id = $1 AND "
                                               "state IN (1, 3, 4, 5) LIMIT 1",
                                               Params().Text(convention_id)));
    ENT_ASSIGN_OR_RETURN(std::vector<Dispute> found, Disputes(r));
    if (found.empty()) return std::optional<Dispute>();
    return std::optional<Dispute>(std::move(found[0]));
  }

  absl::StatusOr<std::vector<StateCount>> CountStates() override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(kStateCountsSql));
    std::vector<StateCount> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.Text(i, 0), static_cast<int>(r.Int(i, 1)), r.Int(i, 2)});
    }
    return out;
  }

  absl::StatusOr<int64_t> LastDisputeNumber(const std::string& convention_id) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT COALESCE(MAX(number), 0) FROM disputes WHERE "
                                               "convention_id = $1",
                                               Params().Text(convention_id)));
    return r.rows() == 0 ? 0 : r.Int(0, 0);
  }

  absl::StatusOr<std::vector<Dispute>> ListDisputes(const DisputeFilter& filter,
                                                    const std::pair<std::string, int64_t>& after,
                                                    int limit) override {
    Where w;
    w.params.Text(after.first).Int(after.second);
    w.sql = "(convention_id, number) > ($1::text, $2::bigint)";
    if (!filter.convention_id.empty()) w.Text("convention_id = ", filter.convention_id);
    if (!filter.communes_in.empty()) w.Text("commune_insee = ANY (", TextArray(filter.communes_in), "::text[])");
    if (filter.state) w.Text("state = ", absl::StrCat(static_cast<int>(*filter.state)), "::integer");
    if (filter.deadline_before) {
      w.Text("deadline_day IS NOT NULL AND deadline_day < ", FormatIsoDate(*filter.deadline_before));
    }
    w.params.Int(limit);
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT body FROM disputes WHERE ", w.sql,
                                                            " ORDER BY convention_id, number LIMIT ",
                                                            w.Next()),
                                               w.params));
    return Disputes(r);
  }

  workflow::TimerTable& timers() override { return timers_; }
  workflow::OutboxWriter& outbox() override { return outbox_; }

  absl::Status Put(const Convention& c) override {
    const bool insert = c.version == 1;
    Params p;
    p.Text(c.id)
        .Text(c.commune.insee_code)
        .Text(c.school_year.ToString())
        .Int(static_cast<int64_t>(c.state))
        .Int(c.version)
        .Bytes(EncodeConvention(c))
        .OptionalText(c.effective_date ? std::optional<std::string>(FormatIsoDate(*c.effective_date))
                                       : std::nullopt)
        .Text(FormatIsoDate(c.LastDayInForce()))
        .Text(c.renews)
        .Text(insert ? absl::StrCat("conventions/", c.id, " was created concurrently: retry")
                     : absl::StrCat("conventions/", c.id, " was changed concurrently (version ", c.version - 1,
                                    " is no longer the stored one): retry"));
    // Sent with the next statement; the server checks the version.
    static const std::string kInsert = postgres::ExpectRowsSql(
        "INSERT INTO conventions (id, commune_insee, school_year, state, version, body, effective_date, "
        "last_day, renews) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
        1, 10, absl::StatusCode::kAborted);
    static const std::string kUpdate = postgres::ExpectRowsSql(
        "UPDATE conventions SET commune_insee = $2, school_year = $3, state = $4, version = $5, body = $6, "
        "effective_date = $7, last_day = $8, renews = $9 WHERE id = $1 AND version = $5::bigint - 1",
        1, 10, absl::StatusCode::kAborted);
    conn_.Defer(insert ? kInsert : kUpdate, std::move(p));
    if (auto it = preloaded_.find(c.id); it != preloaded_.end()) it->second = c;  // read back as written
    return absl::OkStatus();
  }

  absl::Status Preload(const std::vector<std::string>& convention_ids) override {
    // Locked in one order (by id), so that two batches never wait on each other.
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT id, body FROM conventions WHERE id = ANY "
                                                            "($1::text[]) ORDER BY id",
                                                            lock_),
                                               Params().TextArray(convention_ids)));
    ENT_ASSIGN_OR_RETURN(Result d, conn_.Query(absl::StrCat("SELECT convention_id, body FROM disputes WHERE "
                                                            "convention_id = ANY ($1::text[]) ORDER BY "
                                                            "convention_id, number",
                                                            lock_),
                                               Params().TextArray(convention_ids)));
    // A record that does not decode is left out, with its disputes: Get
    // reads it again and reports it for its own timer alone.
    absl::flat_hash_set<std::string> unreadable;
    absl::flat_hash_map<std::string, std::optional<Convention>> conventions;
    for (const std::string& id : convention_ids) conventions.emplace(id, std::nullopt);  // absent ones too
    for (int i = 0; i < r.rows(); ++i) {
      absl::StatusOr<Convention> c = DecodeConvention(r.Bytes(i, 1));
      if (c.ok()) {
        conventions[r.Text(i, 0)] = std::move(*c);
      } else {
        unreadable.insert(r.Text(i, 0));
      }
    }
    std::map<std::pair<std::string, int64_t>, std::optional<Dispute>> disputes;
    for (int i = 0; i < d.rows(); ++i) {
      absl::StatusOr<Dispute> x = DecodeDispute(d.Bytes(i, 1));
      if (!x.ok()) {
        unreadable.insert(d.Text(i, 0));
        continue;
      }
      const std::pair<std::string, int64_t> key(x->convention_id, x->number);
      disputes[key] = std::move(*x);
    }
    for (auto& [id, c] : conventions) {
      if (unreadable.count(id) == 0) preloaded_.emplace(id, std::move(c));
    }
    for (auto& [key, x] : disputes) {
      if (unreadable.count(key.first) == 0) preloaded_disputes_.emplace(key, std::move(x));
    }
    return absl::OkStatus();
  }

  absl::Status PutDispute(const Dispute& d) override {
    const bool insert = d.version == 1;
    std::optional<std::string> deadline;
    if (d.state == DisputeState::kAwaitingConciliation) {
      deadline = FormatIsoDate(d.conciliation_deadline.last_day);
    } else if (d.state == DisputeState::kTerminating && d.termination) {
      deadline = FormatIsoDate(d.termination->effective_deadline.last_day);
    }
    Params p;
    p.Text(d.convention_id)
        .Int(d.number)
        .Text(d.commune_insee)
        .Int(static_cast<int64_t>(d.state))
        .OptionalText(deadline)
        .Int(d.version)
        .Bytes(EncodeDispute(d))
        .Text(insert ? absl::StrCat(d.Name(), " was opened concurrently: retry")
                     : absl::StrCat(d.Name(), " was changed concurrently (version ", d.version - 1,
                                    " is no longer the stored one): retry"));
    static const std::string kInsert = postgres::ExpectRowsSql(
        "INSERT INTO disputes (convention_id, number, commune_insee, state, deadline_day, version, body) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (convention_id, number) DO NOTHING",
        1, 8, absl::StatusCode::kAborted);
    static const std::string kUpdate = postgres::ExpectRowsSql(
        "UPDATE disputes SET commune_insee = $3, state = $4, deadline_day = $5, version = $6, body = $7 "
        "WHERE convention_id = $1 AND number = $2 AND version = $6::bigint - 1",
        1, 8, absl::StatusCode::kAborted);
    conn_.Defer(insert ? kInsert : kUpdate, std::move(p));
    if (preloaded_.count(d.convention_id) > 0) preloaded_disputes_[{d.convention_id, d.number}] = d;
    return absl::OkStatus();
  }

  absl::Status LockCommune(const std::string& insee) override {
    // Deferred: taken, in order, before the statements that follow it.
    conn_.Defer("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                Params().Text(absl::StrCat("convention.commune:", insee)));
    return absl::OkStatus();
  }

  absl::Status AppendEvent(const EventRecord& e) override {
    // The counter row stays locked until this transaction ends. One
    // statement takes the sequence and inserts the event; deferred.
    static const std::string kAppend = postgres::ExpectRowsSql(
        "INSERT INTO convention_events (sequence, convention_id, commune_insee, type, time_us, actor, "
        "request_id, description, changes, state) SELECT s.last, $1::text, $2::text, $3::integer, "
        "$4::bigint, $5::text, $6::text, $7::text, $8::bytea, $9::integer FROM s",
        1, 10, absl::StatusCode::kInternal,
        "s AS (UPDATE event_sequence SET last = last + 1 WHERE id = 1 RETURNING last)");
    conn_.Defer(kAppend, Params()
                             .Text(e.event.convention_id)
                             .Text(e.event.commune_insee)
                             .Int(static_cast<int64_t>(e.event.type))
                             .Int(absl::ToUnixMicros(e.time))
                             .Text(e.actor)
                             .Text(e.request_id)
                             .Text(e.event.description)
                             .Bytes(EncodeChanges(e.event.changes))
                             .Int(static_cast<int64_t>(e.event.state))
                             .Text("the event sequence row is missing"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<StoredResponse>> FindResponse(const std::string& request_id) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT fingerprint, response FROM request_log WHERE "
                                               "request_id = $1",
                                               Params().Text(request_id)));
    if (r.rows() == 0) return std::optional<StoredResponse>();
    StoredResponse out{request_id, r.Text(0, 0), Convention()};
    ENT_ASSIGN_OR_RETURN(out.response, DecodeResponse(r.Bytes(0, 1)));
    return std::optional<StoredResponse>(std::move(out));
  }

  absl::Status SaveResponse(const StoredResponse& s, absl::Time time) override {
    // Deferred: a request id taken meanwhile fails the COMMIT (ABORTED).
    conn_.Defer("INSERT INTO request_log (request_id, fingerprint, response_kind, response, time_us) "
                "VALUES ($1, $2, $3, $4, $5)",
                Params()
                    .Text(s.request_id)
                    .Text(s.fingerprint)
                    .Text(std::holds_alternative<Dispute>(s.response) ? "dispute" : "convention")
                    .Bytes(EncodeResponse(s.response))
                    .Int(absl::ToUnixMicros(time)));
    return absl::OkStatus();
  }

  absl::Status Isolated(const std::function<absl::Status()>& work) override {
    // What was deferred before is not the work's: sent first (a no-op when
    // nothing is). The savepoint goes with the work's first statement, the
    // work's deferred writes with the RELEASE, whose failure is the work's.
    ENT_RETURN_IF_ERROR(conn_.Flush());
    conn_.DeferCommand("SAVEPOINT isolated");
    const int64_t sends = conn_.sends();
    absl::Status st = work();
    if (st.ok()) {
      st = conn_.Exec("RELEASE SAVEPOINT isolated");
      if (st.ok()) return st;
    }
    const bool savepoint_sent = conn_.sends() != sends;
    conn_.DiscardDeferred();
    // What was preloaded may hold writes just undone: read again from here.
    preloaded_.clear();
    preloaded_disputes_.clear();
    if (!savepoint_sent) return st;  // nothing of the work reached the server
    ENT_RETURN_IF_ERROR(conn_.Exec("ROLLBACK TO SAVEPOINT isolated; RELEASE SAVEPOINT isolated"));
    return st;
  }

  absl::StatusOr<int64_t> PruneBefore(absl::Time cutoff, int limit) override {
    int64_t pruned = 0;
    for (const std::string& sql : RetentionStatements()) {
      ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(sql, Params().Int(absl::ToUnixMicros(cutoff)).Int(limit)));
      pruned += r.affected();
    }
    // The counts' appended changes, one row per state again.
    ENT_RETURN_IF_ERROR(conn_.Exec(kFoldStateCountsSql));
    return pruned;
  }

 private:
  postgres::Connection& conn_;
  workflow::PostgresTimerTable timers_;
  workflow::PostgresOutboxWriter outbox_;
  const char* const lock_;  // a write transaction's reads of an aggregate lock it
  // Preload's rows (nullopt: no such convention), kept as this transaction
  // writes them; all the disputes of a preloaded convention.
  absl::flat_hash_map<std::string, std::optional<Convention>> preloaded_;
  std::map<std::pair<std::string, int64_t>, std::optional<Dispute>> preloaded_disputes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresConventionStore>> PostgresConventionStore::Open(
    const std::string& uri, const postgres::Timeouts& timeouts) {
  postgres::Database::Options options;
  options.uri = uri;
  options.timeouts = timeouts;
  options.schema = "convention";
  options.migrations = Migrations();
  std::unique_ptr<PostgresConventionStore> store(new PostgresConventionStore());
  ENT_ASSIGN_OR_RETURN(store->db_, postgres::Database::Open(std::move(options)));
  store->outbox_store_ = std::make_unique<workflow::PostgresOutboxStore>(*store->db_);
  return store;
}

PostgresConventionStore::~PostgresConventionStore() {
  timer_listener_.reset();
  {
    absl::MutexLock lock(&tail_mu_);
    stopping_ = true;
  }
  if (tailer_.joinable()) tailer_.join();
  // The database's threads run the writes still queued, whose completions
  // use tail_mu_: stopped here, while the members they use live.
  outbox_store_.reset();
  db_.reset();
}

void PostgresConventionStore::Write(std::function<absl::Status(ConventionWriter&)> work,
                                    std::function<void(absl::Status)> done, absl::Time deadline) {
  db_->Write(
      [work = std::move(work)](postgres::Connection& conn) {
        PgTx tx(conn, /*writable=*/true);
        return work(tx);
      },
      [this, done = std::move(done)](absl::Status st) {
        if (st.ok()) {
          absl::MutexLock lock(&tail_mu_);
          tail_wanted_ = true;  // this commit may have appended events
        }
        done(std::move(st));
      },
      deadline);
}

void PostgresConventionStore::Read(const std::function<void(ConventionReader&)>& work) {
  db_->ReadNow([&work](postgres::Connection& conn) {
    PgTx tx(conn, /*writable=*/false);
    work(tx);
  });
}

void PostgresConventionStore::ReadAsync(std::function<void(ConventionReader&)> work) {
  db_->ReadAsync([work = std::move(work)](postgres::Connection& conn) {
    PgTx tx(conn, /*writable=*/false);
    work(tx);
  });
}

void PostgresConventionStore::SetCommittedEventsObserver(
    std::function<void(const std::vector<EventRecord>&)> observer) {
  observer_ = std::move(observer);
  // From the history's end as it is now: the observer is told of what
  // commits from here on.
  int64_t last = 0;
  db_->ReadNow([&](postgres::Connection& conn) {
    auto end = conn.Query("SELECT last FROM event_sequence WHERE id = 1");
    if (end.ok() && end->rows() == 1) last = end->Int(0, 0);
  });
  tailer_ = std::thread([this, last] { TailLoop(last); });
}

void PostgresConventionStore::WatchTimers(std::function<void()> changed) {
  timer_listener_ = std::make_unique<postgres::Listener>(
      *db_, workflow::TimerChannel(db_->schema()), std::move(changed));
  timer_listener_->Start();
}

void PostgresConventionStore::TailLoop(int64_t last) {
  LogRateLimiter failure_log(10, absl::Minutes(1));
  absl::Duration wait = kTailInterval;
  auto read = [this](int64_t after, int limit) {
    absl::StatusOr<std::vector<EventRecord>> events = std::vector<EventRecord>();
    db_->ReadNow([&](postgres::Connection& conn) {
      PgTx tx(conn, /*writable=*/false);
      events = tx.ListEvents(EventFilter{}, after, limit);
    });
    return events;
  };
  while (true) {
    {
      absl::MutexLock lock(&tail_mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(tail_mu_) { return tail_wanted_ || stopping_; };
      tail_mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
      if (stopping_) return;
      tail_wanted_ = false;
    }
    wait = kTailInterval;
    while (true) {
      absl::StatusOr<std::vector<EventRecord>> events = read(last, 1000);
      if (!events.ok() && events.status().code() != absl::StatusCode::kUnavailable) {
        // Something of the page does not read: the next event alone.
        events = read(last, 1);
        if (!events.ok() && events.status().code() != absl::StatusCode::kUnavailable) {
          // The next event itself does not decode: reported, passed over
          // (watchers miss it; the history keeps it for an operator).
          int64_t sequence = 0;
          db_->ReadNow([&](postgres::Connection& conn) {
            auto next = conn.Query("SELECT MIN(sequence) FROM convention_events WHERE sequence > $1",
                                   postgres::Params().Int(last));
            if (next.ok() && next->rows() == 1 && !next->IsNull(0, 0)) sequence = next->Int(0, 0);
          });
          if (sequence > last) {
            LogLine("error", "event_undecodable").Add("sequence", sequence)
                .Add("error", QuoteInput(events.status().ToString(), 300)).Write();
            Metrics::Instance().EventTailFailure("undecodable");
            last = sequence;
            continue;
          }
        }
      }
      if (!events.ok()) {
        // The database cannot be read now: counted, logged, tried again.
        Metrics::Instance().EventTailFailure("read");
        int64_t suppressed = 0;
        if (failure_log.Allow(&suppressed)) {
          LogLine line("warn", "event_tail_failed");
          line.Add("after_sequence", last).Add("error", QuoteInput(events.status().ToString(), 300));
          if (suppressed > 0) line.Add("suppressed_since_last", suppressed);
          line.Write();
        }
        wait = absl::Seconds(1);
        break;
      }
      if (events->empty()) break;
      last = events->back().sequence;
      observer_(*events);
      if (events->size() < 1000) break;
    }
  }
}

}  // namespace ent::convention
