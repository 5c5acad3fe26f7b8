#include "common/postgres/database.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace ent::postgres {
namespace {

// Quotes an SQL identifier.
std::string Identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The check of ExpectRowsSql (connection.h): part of the database layer, like
// schema_version, kept up to date at each start rather than migrated.
constexpr char kExpectRowsFunctionSql[] = R"sql(
CREATE OR REPLACE FUNCTION ent_expect_rows(actual bigint, expected bigint, message text, code text)
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  IF actual <> expected THEN
    RAISE EXCEPTION USING MESSAGE = message, ERRCODE = code;
  END IF;
  RETURN actual;
END $$;
)sql";

}  // namespace

std::string Database::SessionSetup() const {
  return absl::StrCat("SET search_path = ", Identifier(options_.schema));
}

absl::StatusOr<std::unique_ptr<Connection>> Database::Connect() const {
  return Connection::Open(options_.uri, SessionSetup());
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(Options options) {
  if (options.schema.empty()) return absl::InvalidArgumentError("postgresql: no schema named");
  std::unique_ptr<Database> db(new Database(std::move(options)));
  {
    auto conn = Connection::Open(db->options_.uri);
    if (!conn.ok()) return conn.status();
    if (auto st = db->Migrate(**conn); !st.ok()) return st;
  }
  for (int i = 0; i < db->options_.writers; ++i) {
    auto conn = db->Connect();
    if (!conn.ok()) return conn.status();
    db->writer_conns_.push_back(std::move(*conn));
  }
  for (int i = 0; i < db->options_.readers; ++i) {
    auto conn = db->Connect();
    if (!conn.ok()) return conn.status();
    db->reader_conns_.push_back(std::move(*conn));
  }
  for (auto& c : db->writer_conns_) {
    db->threads_.emplace_back([raw = db.get(), conn = c.get()] { raw->WriterLoop(conn); });
  }
  for (auto& c : db->reader_conns_) {
    db->threads_.emplace_back([raw = db.get(), conn = c.get()] { raw->ReaderLoop(conn); });
  }
  return db;
}

Database::~Database() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
}

absl::Status Database::Migrate(Connection& conn) {
  const std::string schema = Identifier(options_.schema);
  // Instances starting together: one migrates, the others wait, then find
  // the schema up to date.
  const std::string key = absl::StrCat("hashtext('ent-schema:' || ", "'", options_.schema, "')");
  auto locked = conn.Exec(absl::StrCat("SELECT pg_advisory_lock(", key, ")"));
  if (!locked.ok()) return locked;
  auto unlock = [&] { conn.Exec(absl::StrCat("SELECT pg_advisory_unlock(", key, ")")).IgnoreError(); };
  absl::Status st = conn.Exec(absl::StrCat(
      "CREATE SCHEMA IF NOT EXISTS ", schema, "; SET search_path = ", schema,
      "; CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), "
      "version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1, 0) ON CONFLICT DO NOTHING; ",
      kExpectRowsFunctionSql));
  if (!st.ok()) {
    unlock();
    return st;
  }
  auto version = conn.Query("SELECT version FROM schema_version");
  if (!version.ok()) {
    unlock();
    return version.status();
  }
  int v = static_cast<int>(version->Int(0, 0));
  const int known = static_cast<int>(options_.migrations.size());
  if (v > known) {
    unlock();
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", options_.schema, " schema is at version ", v, ", newer than this release (", known,
        "): run the release that wrote it"));
  }
  for (; v < known; ++v) {
    const Migration& m = options_.migrations[v];
    st = conn.Exec("BEGIN");
    if (st.ok()) st = conn.Exec(m.sql);
    if (st.ok() && m.code) st = m.code(conn);
    if (st.ok()) st = conn.Exec(absl::StrCat("UPDATE schema_version SET version = ", v + 1));
    if (st.ok()) st = conn.Exec("COMMIT");
    if (!st.ok()) {
      if (conn.InTransaction()) conn.Exec("ROLLBACK").IgnoreError();
      unlock();
      return absl::InternalError(
          absl::StrCat(options_.schema, " migration ", v + 1, " failed: ", st.message()));
    }
  }
  schema_version_ = v;
  unlock();
  return absl::OkStatus();
}

void Database::Write(WriteWork work, WriteDone done) {
  absl::MutexLock lock(&mu_);
  writes_.push_back({std::move(work), std::move(done)});
}

size_t Database::queued_writes() {
  absl::MutexLock lock(&mu_);
  return writes_.size();
}

absl::Status Database::Reconnect(Connection& conn) {
  ++reconnects_;
  return conn.Reconnect();
}

absl::Status Database::RunWrite(Connection& conn, const WriteWork& work) {
  const absl::Time begin = absl::Now();
  int retries = 0;
  absl::Status st = RunWriteWithRetries(conn, work, &retries);
  if (write_observer_) write_observer_({st.ok(), retries, absl::Now() - begin});
  return st;
}

absl::Status Database::RunWriteWithRetries(Connection& conn, const WriteWork& work, int* retries) {
  const absl::Time give_up = absl::Now() + options_.retry_for;
  absl::Duration backoff = absl::Milliseconds(10);
  while (true) {
    absl::Status st;
    bool committing = false;
    if (conn.needs_reconnect() || !conn.IsAlive()) st = Reconnect(conn);
    // BEGIN goes with the work's first statement (a connection the server
    // closed is found out there, before anything of the work ran).
    if (st.ok()) conn.DeferCommand("BEGIN ISOLATION LEVEL READ COMMITTED");
    if (st.ok()) st = work(conn);
    if (st.ok()) {
      committing = true;
      st = conn.Exec("COMMIT");
      if (st.ok()) return st;
    }
    // Run it again if nothing of it can have committed and the cause passes.
    const bool lost = conn.needs_reconnect();
    const bool again = conn.retryable() || (lost && !committing);
    conn.DiscardDeferred();  // the work's writes not sent yet
    if (conn.InTransaction()) conn.Exec("ROLLBACK").IgnoreError();
    if (committing && lost) {
      return absl::UnavailableError(absl::StrCat(
          "the connection to postgresql was lost while committing; the outcome is unknown: "
          "retry with the same request id (",
          st.message(), ")"));
    }
    if (!again || absl::Now() + backoff > give_up) return st;
    ++*retries;
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
}

void Database::WriterLoop(Connection* conn) {
  while (true) {
    WriteJob job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Database* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->mu_) {
            return db->stopping_ || !db->writes_.empty();
          },
          this));
      if (writes_.empty()) return;  // stopping, nothing left
      job = std::move(writes_.front());
      writes_.pop_front();
    }
    absl::Status st;
    try {
      st = RunWrite(*conn, job.work);
    } catch (const std::exception& e) {
      conn->DiscardDeferred();
      if (conn->InTransaction()) conn->Exec("ROLLBACK").IgnoreError();
      st = absl::InternalError(absl::StrCat("unexpected exception: ", e.what()));
    }
    job.done(std::move(st));
  }
}

void Database::RunRead(Connection& conn, const ReadWork& work) {
  // A connection the server closed (a restart, a failover) is found out
  // without a round trip, and connected again before the work runs; if the
  // server cannot be reached the read reports it.
  if (conn.needs_reconnect() || !conn.IsAlive()) Reconnect(conn).IgnoreError();
  // One round trip for a one-statement read: BEGIN goes with the work's
  // first statement, and the ROLLBACK (read only: nothing to keep) is sent
  // without waiting for its answer.
  conn.DeferCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  work(conn);
  const bool began = conn.deferred() == 0;
  conn.DiscardDeferred();
  if (began && conn.InTransaction()) conn.SendWithoutWaiting("ROLLBACK");
}

void Database::ReaderLoop(Connection* conn) {
  while (true) {
    ReadWork work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Database* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->mu_) {
            return db->stopping_ || !db->reads_.empty();
          },
          this));
      if (reads_.empty()) return;
      work = std::move(reads_.front());
      reads_.pop_front();
    }
    RunRead(*conn, work);
  }
}

void Database::ReadAsync(ReadWork work) {
  absl::MutexLock lock(&mu_);
  reads_.push_back(std::move(work));
}

void Database::ReadNow(const ReadWork& work) {
  Connection* conn = nullptr;
  {
    absl::MutexLock lock(&pool_mu_);
    if (free_inline_.empty() && static_cast<int>(inline_conns_.size()) < options_.max_inline_readers) {
      auto opened = Connect();
      // Unreachable now: lent anyway, it reconnects when next used, and the
      // work's statements report UNAVAILABLE meanwhile.
      inline_conns_.push_back(opened.ok() ? std::move(*opened)
                                          : Connection::Disconnected(options_.uri, SessionSetup()));
      free_inline_.push_back(inline_conns_.back().get());
    }
    pool_mu_.Await(absl::Condition(
        +[](std::vector<Connection*>* free) { return !free->empty(); }, &free_inline_));
    conn = free_inline_.back();
    free_inline_.pop_back();
  }
  RunRead(*conn, work);
  absl::MutexLock lock(&pool_mu_);
  free_inline_.push_back(conn);
}

absl::Status Database::WriteSync(WriteWork work) {
  absl::Notification finished;
  absl::Status out;
  Write(std::move(work), [&](absl::Status st) {
    out = std::move(st);
    finished.Notify();
  });
  finished.WaitForNotification();
  return out;
}

void Database::ReadSync(ReadWork work) {
  absl::Notification finished;
  ReadAsync([&](Connection& c) {
    work(c);
    finished.Notify();
  });
  finished.WaitForNotification();
}

}  // namespace ent::postgres
