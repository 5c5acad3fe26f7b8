#include "bench/raw_postgres.h"

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/postgres/connection.h"
#include "common/status_macros.h"

namespace ent::bench {
namespace {

using postgres::Connection;
using postgres::Params;
using postgres::Result;

// The first row's bytes of `sql`, or `fallback` when there is none.
absl::StatusOr<std::string> Sample(Connection& conn, const std::string& sql, std::string fallback) {
  ENT_ASSIGN_OR_RETURN(Result r, conn.Query(sql));
  return r.rows() == 0 ? fallback : r.Bytes(0, 0);
}

// Runs `one(connection, thread, n)` over and over on `connections`
// connections side by side (search path `search_path`) for `duration`;
// operations per second, or the first error.
absl::StatusOr<double> SideBySide(const std::string& uri, const std::string& search_path, int connections,
                                  absl::Duration duration,
                                  const std::function<absl::Status(Connection&, int, int64_t)>& one) {
  std::atomic<int64_t> done{0};
  std::atomic<bool> failed{false};
  std::string first_error;
  absl::Mutex mu;
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      auto conn = Connection::Open(uri, "SET search_path = " + search_path);
      absl::Status st = conn.status();
      for (int64_t n = 0; st.ok() && absl::Now() < end && !failed; ++n) {
        st = one(**conn, t, n);
        if (st.ok()) ++done;
      }
      if (!st.ok()) {
        absl::MutexLock lock(&mu);
        if (!failed.exchange(true)) first_error = st.ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) return absl::InternalError(first_error);
  return done.load() / absl::ToDoubleSeconds(absl::Now() - start);
}

}  // namespace

absl::StatusOr<double> RawPostgresExpiries(const std::string& uri, int batch) {
  ENT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(uri, "SET search_path = convention"));
  struct Row {
    std::string id, commune;
    int64_t timer = 0;
  };
  std::vector<Row> rows;
  {
    ENT_ASSIGN_OR_RETURN(
        Result r, conn->Query("SELECT c.id, c.commune_insee, COALESCE(t.id, 0) FROM conventions c "
                              "LEFT JOIN workflow_timers t ON t.subject = 'conventions/' || c.id AND "
                              "t.kind = 'convention.expiry' ORDER BY c.id"));
    for (int i = 0; i < r.rows(); ++i) rows.push_back({r.Text(i, 0), r.Text(i, 1), r.Int(i, 2)});
  }
  if (rows.empty()) return absl::FailedPreconditionError("raw expiries: no convention in the database");
  ENT_ASSIGN_OR_RETURN(const std::string payload,
                       Sample(*conn, "SELECT convert_to(payload, 'UTF8') FROM workflow_outbox LIMIT 1", "{}"));
  ENT_ASSIGN_OR_RETURN(const std::string changes,
                       Sample(*conn, "SELECT changes FROM convention_events ORDER BY sequence DESC LIMIT 1", ""));
  const absl::Time start = absl::Now();
  for (size_t first = 0; first < rows.size(); first += batch) {
    conn->DeferCommand("BEGIN ISOLATION LEVEL READ COMMITTED");
    for (size_t i = first; i < rows.size() && i < first + batch; ++i) {
      const Row& row = rows[i];
      ENT_ASSIGN_OR_RETURN(Result c, conn->Query("SELECT body, state FROM conventions WHERE id = $1",
                                                 Params().Text(row.id)));
      if (c.rows() != 1) return absl::InternalError(absl::StrCat("raw expiries: ", row.id, " vanished"));
      const int64_t state = c.Int(0, 1) == 3 ? 4 : 3;  // a change of state, counted by the trigger
      conn->Defer("UPDATE conventions SET state = $2, version = version + 1, body = $3 WHERE id = $1",
                  Params().Text(row.id).Int(state).Bytes(c.Bytes(0, 0)));
      conn->Defer("WITH s AS (UPDATE event_sequence SET last = last + 1 WHERE id = 1 RETURNING last) "
                  "INSERT INTO convention_events (sequence, convention_id, commune_insee, type, time_us, "
                  "actor, request_id, description, changes, state) SELECT s.last, $1::text, $2::text, "
                  "$3::integer, $4::bigint, $5::text, $6::text, $7::text, $8::bytea, $9::integer FROM s",
                  Params()
                      .Text(row.id)
                      .Text(row.commune)
                      .Int(9)
                      .Int(absl::ToUnixMicros(absl::Now()))
                      .Text("workflow")
                      .Text(absl::StrCat("raw-", i))
                      .Text("expired on 2026-08-31 at the end of its school year (raw baseline)")
                      .Bytes(changes)
                      .Int(state));
      conn->Defer("INSERT INTO workflow_outbox (topic, key, idempotency_key, payload, created_us, "
                  "next_attempt_us) VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (idempotency_key) DO NOTHING",
                  Params()
                      .Text("convention.expired")
                      .Text("conventions/" + row.id)
                      .Text(absl::StrCat("raw/", row.id, "/", absl::ToUnixMicros(start)))
                      .Text(payload)
                      .Int(absl::ToUnixMicros(absl::Now())));
      if (row.timer != 0) {
        conn->Defer("UPDATE workflow_timers SET fired_us = $2 WHERE id = $1",
                    Params().Int(row.timer).Int(absl::ToUnixMicros(absl::Now())));
      }
    }
    ENT_RETURN_IF_ERROR(conn->Exec("COMMIT"));
  }
  return rows.size() / absl::ToDoubleSeconds(absl::Now() - start);
}

absl::StatusOr<double> RawPostgresTitres(const std::string& uri, int batch) {
  ENT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(uri, "SET search_path = billing"));
  std::vector<std::pair<std::string, std::string>> conventions;
  {
    ENT_ASSIGN_OR_RETURN(Result r,
                         conn->Query("SELECT convention, commune_insee FROM conventions ORDER BY convention"));
    for (int i = 0; i < r.rows(); ++i) conventions.emplace_back(r.Text(i, 0), r.Text(i, 1));
  }
  if (conventions.empty()) return absl::FailedPreconditionError("raw titres: no convention in the database");
  ENT_ASSIGN_OR_RETURN(const std::string body, Sample(*conn, "SELECT body FROM titres LIMIT 1", std::string(200, 'x')));
  constexpr int kYear = 2099;
  const std::string school_year = "2099-2100";
  const absl::Time start = absl::Now();
  for (size_t first = 0; first < conventions.size(); first += batch) {
    conn->DeferCommand("BEGIN ISOLATION LEVEL READ COMMITTED");
    for (size_t i = first; i < conventions.size() && i < first + batch; ++i) {
      const auto& [convention, insee] = conventions[i];
      conn->Defer("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                  Params().Text("billing.convention:" + convention));
      ENT_ASSIGN_OR_RETURN(Result existing,
                           conn->Query("SELECT year, sequence, total_cents, body, created_us FROM titres "
                                       "WHERE convention = $1 AND school_year = $2 ORDER BY year, sequence",
                                       Params().Text(convention).Text(school_year)));
      if (existing.rows() != 0) return absl::FailedPreconditionError("raw titres: the year is billed already");
      ENT_ASSIGN_OR_RETURN(Result n, conn->Query("INSERT INTO numbering (year, last_sequence) VALUES ($1, 1) "
                                                 "ON CONFLICT (year) DO UPDATE SET last_sequence = "
                                                 "numbering.last_sequence + 1 RETURNING last_sequence",
                                                 Params().Int(kYear)));
      const int64_t sequence = n.Int(0, 0);
      conn->Defer("INSERT INTO titres (year, sequence, convention, school_year, commune_insee, kind, "
                  "total_cents, body, created_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                  Params()
                      .Int(kYear)
                      .Int(sequence)
                      .Text(convention)
                      .Text(school_year)
                      .Text(insee)
                      .Int(1)
                      .Int(5000)
                      .Bytes(body)
                      .Int(absl::ToUnixMicros(absl::Now())));
      conn->Defer("INSERT INTO titre_lines (year, sequence, position, uai, name, unit_price_cents, "
                  "amount_cents) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  Params().Int(kYear).Int(sequence).Int(1).Text("0300673U").Text("École publique").Int(5000).Int(
                      5000));
    }
    ENT_RETURN_IF_ERROR(conn->Exec("COMMIT"));
  }
  return conventions.size() / absl::ToDoubleSeconds(absl::Now() - start);
}

absl::StatusOr<double> RawPostgresCreates(const std::string& uri, int connections, absl::Duration duration) {
  ENT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> setup, Connection::Open(uri, "SET search_path = convention"));
  // One create's rows, as the service wrote them.
  ENT_ASSIGN_OR_RETURN(Result c, setup->Query("SELECT id, commune_insee, school_year, state, version, body, "
                                              "last_day FROM conventions ORDER BY id LIMIT 1"));
  if (c.rows() != 1) return absl::FailedPreconditionError("raw creates: no convention to copy");
  ENT_ASSIGN_OR_RETURN(Result e, setup->Query("SELECT type, actor, description, changes, state FROM "
                                              "convention_events WHERE convention_id = $1 ORDER BY sequence "
                                              "LIMIT 1",
                                              Params().Text(c.Text(0, 0))));
  ENT_ASSIGN_OR_RETURN(Result a, setup->Query("SELECT fingerprint, response_kind, response FROM request_log "
                                              "ORDER BY time_us LIMIT 1"));
  if (e.rows() != 1 || a.rows() != 1) return absl::FailedPreconditionError("raw creates: no create to copy");
  ENT_RETURN_IF_ERROR(setup->Exec(
      "DROP SCHEMA IF EXISTS raw_writes CASCADE; CREATE SCHEMA raw_writes; "
      "CREATE TABLE raw_writes.conventions (LIKE convention.conventions INCLUDING ALL); "
      "CREATE TABLE raw_writes.convention_events (LIKE convention.convention_events INCLUDING ALL); "
      "CREATE TABLE raw_writes.request_log (LIKE convention.request_log INCLUDING ALL); "
      "CREATE TABLE raw_writes.state_counts (LIKE convention.state_counts INCLUDING ALL); "
      "CREATE TABLE raw_writes.event_sequence (LIKE convention.event_sequence INCLUDING ALL); "
      "INSERT INTO raw_writes.event_sequence SELECT * FROM convention.event_sequence; "
      "CREATE TRIGGER conventions_counted AFTER INSERT OR UPDATE OF state ON raw_writes.conventions "
      "FOR EACH ROW EXECUTE FUNCTION convention.counted('convention')"));
  absl::StatusOr<double> rate = SideBySide(
      uri, "raw_writes, convention", connections, duration, [&](Connection& w, int t, int64_t n) {
        const std::string id = absl::StrCat("raw-", t, "-", n);
        w.DeferCommand("BEGIN ISOLATION LEVEL READ COMMITTED");
        w.Defer("INSERT INTO conventions (id, commune_insee, school_year, state, version, body, last_day) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                Params().Text(id).Text(c.Text(0, 1)).Text(c.Text(0, 2)).Int(c.Int(0, 3)).Int(c.Int(0, 4)).Bytes(
                    c.Bytes(0, 5)).Text(c.Text(0, 6)));
        w.Defer("WITH s AS (UPDATE event_sequence SET last = last + 1 WHERE id = 1 RETURNING last) "
                "INSERT INTO convention_events (sequence, convention_id, commune_insee, type, time_us, actor, "
                "request_id, description, changes, state) SELECT s.last, $1::text, $2::text, $3::integer, "
                "$4::bigint, $5::text, $6::text, $7::text, $8::bytea, $9::integer FROM s",
                Params()
                    .Text(id)
                    .Text(c.Text(0, 1))
                    .Int(e.Int(0, 0))
                    .Int(absl::ToUnixMicros(absl::Now()))
                    .Text(e.Text(0, 1))
                    .Text(id)
                    .Text(e.Text(0, 2))
                    .Bytes(e.Bytes(0, 3))
                    .Int(e.Int(0, 4)));
        w.Defer("INSERT INTO request_log (request_id, fingerprint, response_kind, response, time_us) "
                "VALUES ($1, $2, $3, $4, $5)",
                Params().Text(id).Text(a.Text(0, 0)).Text(a.Text(0, 1)).Bytes(a.Bytes(0, 2)).Int(
                    absl::ToUnixMicros(absl::Now())));
        return w.Exec("COMMIT");
      });
  setup->Exec("DROP SCHEMA raw_writes CASCADE").IgnoreError();
  if (!rate.ok()) return absl::InternalError(absl::StrCat("raw creates: ", rate.status().message()));
  return rate;
}

absl::StatusOr<double> RawPostgresReads(const std::string& uri, const std::vector<std::string>& ids,
                                        int connections, absl::Duration duration) {
  if (ids.empty()) return absl::InvalidArgumentError("raw reads: no id to read");
  absl::StatusOr<double> rate =
      SideBySide(uri, "convention", connections, duration, [&](Connection& c, int t, int64_t n) -> absl::Status {
        const std::string& id = ids[(n * connections + t) % ids.size()];
        auto r = c.Query("SELECT body FROM conventions WHERE id = $1", Params().Text(id));
        if (!r.ok()) return r.status();
        return r->rows() == 1 ? absl::OkStatus() : absl::NotFoundError("raw reads: " + id);
      });
  if (!rate.ok()) return absl::InternalError(absl::StrCat("raw reads: ", rate.status().message()));
  return rate;
}

}  // namespace ent::bench
