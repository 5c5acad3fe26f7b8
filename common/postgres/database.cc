#include "common/postgres/database.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace ent::postgres {
namespace {

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

int64_t Seconds(absl::Duration d, int64_t at_least) {
  return std::max<int64_t>(at_least, absl::ToInt64Seconds(d + absl::Milliseconds(999)));
}

}  // namespace

std::string WithNetworkTimeouts(const std::string& uri, const Timeouts& t) {
  const int64_t network_s = Seconds(t.network, 2);
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"connect_timeout", absl::StrCat(Seconds(t.connect, 2))},
      {"keepalives", "1"},
      {"keepalives_idle", absl::StrCat(std::max<int64_t>(1, network_s / 2))},
      {"keepalives_interval", absl::StrCat(std::max<int64_t>(1, network_s / 6))},
      {"keepalives_count", "3"},
      {"tcp_user_timeout", absl::StrCat(absl::ToInt64Milliseconds(t.network))},
  };
  const bool is_uri = IsPostgresUri(uri);
  std::string out = uri;
  const size_t query = uri.find('?');
  const std::string given = is_uri ? (query == std::string::npos ? "" : uri.substr(query + 1)) : uri;
  bool first = is_uri && query == std::string::npos;
  for (const auto& [name, value] : settings) {
    // A setting the URI gives wins (name=... at the start or after & / space).
    const std::string key = name + "=";
    bool set = false;
    for (size_t at = given.find(key); at != std::string::npos; at = given.find(key, at + 1)) {
      if (at == 0 || given[at - 1] == '&' || given[at - 1] == ' ') set = true;
    }
    if (set) continue;
    absl::StrAppend(&out, is_uri ? (first ? "?" : "&") : " ", key, value);
    first = false;
  }
  return out;
}

std::string TimeoutSettings(const Timeouts& t) {
  return absl::StrCat("SET statement_timeout = ", absl::ToInt64Milliseconds(t.statement),
                      "; SET lock_timeout = ", absl::ToInt64Milliseconds(t.lock),
                      "; SET idle_in_transaction_session_timeout = ",
                      absl::ToInt64Milliseconds(t.idle_in_transaction));
}

std::string Database::SessionSetup() const {
  return absl::StrCat("SET search_path = ", QuoteIdentifier(options_.schema), "; ",
                      TimeoutSettings(options_.timeouts));
}

absl::StatusOr<std::unique_ptr<Connection>> Database::Connect() const {
  auto conn = Connection::Open(options_.uri, SessionSetup());
  if (conn.ok()) {
    (*conn)->set_answer_timeout(AnswerTimeout());
    (*conn)->set_abort(&closing_);
  }
  return conn;
}

absl::Duration Database::AnswerTimeout() const {
  // The server ends a statement at its timeout and answers; no answer a
  // network timeout later means the connection is gone.
  return options_.timeouts.statement + options_.timeouts.network;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(Options options) {
  if (options.schema.empty()) return absl::InvalidArgumentError("postgresql: no schema named");
  options.uri = WithNetworkTimeouts(options.uri, options.timeouts);
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
  Close();
  for (auto& t : threads_) t.join();
}

void Database::Close() {
  closing_ = true;
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

bool Database::closing() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::Status Database::Migrate(Connection& conn) {
  const std::string schema = QuoteIdentifier(options_.schema);
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

void Database::Write(WriteWork work, WriteDone done, absl::Time deadline) {
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refused = absl::UnavailableError("the database is being closed (the service is stopping)");
    } else if (writes_.size() >= options_.max_queued_writes) {
      refused = absl::UnavailableError(absl::StrCat(
          "postgresql: ", writes_.size(),
          " write transactions already wait for the database (slow or unreachable): retry later"));
    } else {
      writes_.push_back({std::move(work), std::move(done),
                         std::min(deadline, absl::Now() + options_.max_queue_wait)});
      return;
    }
  }
  ++refused_writes_;
  done(std::move(refused));
}

size_t Database::queued_writes() {
  absl::MutexLock lock(&mu_);
  return writes_.size();
}

absl::Status Database::Reconnect(Connection& conn) {
  ++reconnects_;
  const absl::Time start = absl::Now();
  absl::Status st = conn.Reconnect();
  absl::MutexLock lock(&reconnect_mu_);
  if (st.ok()) {
    last_connected_ = std::max(last_connected_, start);
    reconnect_allowed_at_ = absl::InfinitePast();
  } else if (start > last_connected_) {
    // Not when a connection begun later has succeeded since (a heal).
    reconnect_allowed_at_ = absl::Now() + absl::Seconds(1);
  }
  return st;
}

absl::Time Database::ReconnectAllowedAt() {
  absl::MutexLock lock(&reconnect_mu_);
  return reconnect_allowed_at_;
}

absl::Status Database::RunWrite(Connection& conn, const WriteJob& job) {
  const absl::Time begin = absl::Now();
  int retries = 0;
  absl::Status st = RunWriteWithRetries(conn, job, &retries);
  if (write_observer_) write_observer_({st.ok(), retries, absl::Now() - begin});
  return st;
}

absl::Status Database::RunWriteWithRetries(Connection& conn, const WriteJob& job, int* retries) {
  const WriteWork& work = job.work;
  const absl::Time give_up = std::min(absl::Now() + options_.retry_for, job.deadline);
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
    if (!again || absl::Now() + backoff > give_up || closing()) return st;
    ++*retries;
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
}

void Database::WriterLoop(Connection* conn) {
  while (true) {
    WriteJob job;
    bool closed = false;
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
      closed = stopping_;
    }
    if (closed) {
      job.done(absl::UnavailableError("the database is being closed (the service is stopping)"));
      continue;
    }
    if (absl::Now() > job.deadline) {
      ++refused_writes_;
      job.done(absl::UnavailableError(
          "postgresql: the write waited for the database past its deadline and was not started: "
          "the database is slow or unreachable; retry later"));
      continue;
    }
    absl::Status st;
    try {
      st = RunWrite(*conn, job);
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
  // While the server cannot be reached, a read tries to connect at most once
  // a second, and fails at once (UNAVAILABLE) meanwhile.
  if ((conn.needs_reconnect() || !conn.IsAlive()) && absl::Now() >= ReconnectAllowedAt()) {
    Reconnect(conn).IgnoreError();
  }
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
      inline_conns_.back()->set_answer_timeout(AnswerTimeout());
      inline_conns_.back()->set_abort(&closing_);
      free_inline_.push_back(inline_conns_.back().get());
    }
    if (!pool_mu_.AwaitWithTimeout(absl::Condition(
                                       +[](std::vector<Connection*>* free) { return !free->empty(); },
                                       &free_inline_),
                                   options_.max_queue_wait)) {
      // Every lent connection is busy (a slow or unreachable database): the
      // work runs on no connection, and each statement answers UNAVAILABLE.
      conn = nullptr;
    } else {
      conn = free_inline_.back();
      free_inline_.pop_back();
    }
  }
  if (conn == nullptr) {
    std::unique_ptr<Connection> none = Connection::Disconnected(options_.uri, SessionSetup());
    work(*none);
    return;
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
