// A service's PostgreSQL database: its schema (one PostgreSQL schema per
// service, migrated in order under an advisory lock so that instances
// starting together migrate once), a pool of writer threads each running one
// write transaction at a time, reader threads for queued reads, and
// connections lent for short reads on the caller's thread.
//
// Write transactions run at READ COMMITTED: each statement sees what
// committed before it; rules that read then write take locks first (the
// stores' contracts say which) and conditional writes re-check their
// condition on the row as it is. A transaction that loses a serialization
// failure or a deadlock, or whose connection was lost before its COMMIT was
// sent, is run again (the work must be re-runnable: it is, like every write
// work of the stores, a function of what it reads) for up to `retry_for`,
// reconnecting as needed (a restart, a failover to a standby on a multi-host
// URI). If the connection is lost while the COMMIT is in flight, the outcome
// is unknown: the caller gets UNAVAILABLE, and an idempotent retry finds the
// first answer if it committed.
//
// A write work may Defer its writes (connection.h): those still queued when
// it returns are sent with the COMMIT, in the same round trip, and any
// failure among them rolls the transaction back; when the work fails they
// are dropped unsent.
//
// Reads run at REPEATABLE READ READ ONLY: all their statements see one
// snapshot. A read work must not Defer (its BEGIN is deferred, sent with its
// first statement; what is still deferred when it returns is dropped).
//
// Thread-safety: every method may be called from any thread. Completions run
// on the writer thread that ran the job and must not block.
#ifndef ENT_COMMON_POSTGRES_DATABASE_H_
#define ENT_COMMON_POSTGRES_DATABASE_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/postgres/connection.h"

namespace ent::postgres {

// One numbered step of a schema: SQL, then optionally code, in one
// transaction.
struct Migration {
  Migration(const char* sql) : sql(sql) {}  // NOLINT: a list of SQL strings reads best
  Migration(std::string sql) : sql(std::move(sql)) {}  // NOLINT
  Migration(std::string sql, std::function<absl::Status(Connection&)> code)
      : sql(std::move(sql)), code(std::move(code)) {}
  std::string sql;
  std::function<absl::Status(Connection&)> code;
};

// Schema pieces both services' migrations use: the table naming the
// protobuf message each bytes column holds, and the trigger function that
// refuses a change to an append-only table with its argument as message.
inline constexpr char kRecordFormatsTableSql[] = R"sql(
CREATE TABLE record_formats (
  table_name  TEXT NOT NULL,
  column_name TEXT NOT NULL,
  message     TEXT NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
)sql";
inline constexpr char kRefuseChangeFunctionSql[] = R"sql(
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
)sql";

// Every wait on the database is bounded (storage::NetworkTimeouts). On the
// server, per session: statements, lock waits and transactions left idle. On
// the client (added to the connection URI unless it sets them): the
// connection attempt, and a peer that stops answering - data sent and not
// acknowledged (tcp_user_timeout), an idle connection whose keepalives go
// unanswered - so that a half-open connection (a partition, not a crash) is
// found out in about `network`.
using Timeouts = storage::NetworkTimeouts;

// `uri` with libpq's connect_timeout, keepalives and tcp_user_timeout set
// from `timeouts`, each only where `uri` does not set it already (a
// postgresql:// URI, or a key=value connection string).
std::string WithNetworkTimeouts(const std::string& uri, const Timeouts& timeouts);
// The session settings of `timeouts` (SET statement_timeout ...).
std::string TimeoutSettings(const Timeouts& timeouts);

class Database {
 public:
  struct Options {
    std::string uri;     // libpq connection URI
    std::string schema;  // the service's PostgreSQL schema, created if absent
    std::vector<Migration> migrations;
    int writers = 8;
    int readers = 2;
    int max_inline_readers = 16;
    // How long a transaction that failed for a transient reason is retried.
    absl::Duration retry_for = absl::Seconds(30);
    Timeouts timeouts;
    // Write jobs queued at most (beyond: UNAVAILABLE at once), and how long
    // one may wait for a writer (beyond: UNAVAILABLE, not started).
    size_t max_queued_writes = 10000;
    absl::Duration max_queue_wait = absl::Seconds(30);
  };
  using WriteWork = std::function<absl::Status(Connection&)>;
  using WriteDone = std::function<void(absl::Status)>;
  using ReadWork = std::function<void(Connection&)>;
  // A write transaction's outcome: committed or not, how many times it was
  // run again (transient failures), from its first BEGIN to its end.
  struct WriteOutcome {
    bool committed = false;
    int retries = 0;
    absl::Duration took;
  };

  // Connects, migrates the schema (refusing one newer than `migrations`),
  // starts the threads.
  static absl::StatusOr<std::unique_ptr<Database>> Open(Options options);
  // Answers the queued write jobs UNAVAILABLE (Close), waits for those under
  // way and the queued reads, then stops.
  ~Database();

  // Queues `work` in a write transaction of its own; `done` gets work's error
  // or the commit's outcome, once durable. Bounded: UNAVAILABLE (and `work`
  // never run) when the queue is full, when the job is still queued at
  // `deadline` or after `max_queue_wait`, or when the database is being
  // closed; a transient failure is retried until `retry_for` or `deadline`,
  // whichever comes first. `done` may run on the calling thread (a full
  // queue) or a writer thread.
  void Write(WriteWork work, WriteDone done, absl::Time deadline = absl::InfiniteFuture());
  // Runs `work` now on the calling thread with a lent connection, in one
  // read-only snapshot. For short, non-blocking reads. When no connection is
  // free within `max_queue_wait`, or the server could not be reached in the
  // last second, the work's statements answer UNAVAILABLE at once.
  void ReadNow(const ReadWork& work);
  // Queues `work` on a reader thread, likewise.
  void ReadAsync(ReadWork work);

  absl::Status WriteSync(WriteWork work);
  void ReadSync(ReadWork work);

  int schema_version() const { return schema_version_; }
  const std::string& schema() const { return options_.schema; }
  // A new connection with the service's session settings and answer timeout
  // (for operations, listeners, leases).
  absl::StatusOr<std::unique_ptr<Connection>> Connect() const;
  // Write jobs waiting for a writer.
  size_t queued_writes();
  // Write jobs refused since the start: the queue was full, or they waited
  // past their deadline.
  int64_t refused_writes() const { return refused_writes_.load(); }
  // Closing: queued and future write jobs are answered UNAVAILABLE without
  // running, running ones are not retried, and a statement waiting for its
  // answer gives up within 100 ms (the outcome of a COMMIT so cut is
  // unknown). The destructor does it too; a service calls it once its drain
  // time is over, so that it stops while the database may be unreachable.
  void Close();
  // Told of every write transaction's outcome, on the writer thread that ran
  // it (must not block). Set once, before the first write.
  void SetWriteObserver(std::function<void(const WriteOutcome&)> observer) {
    write_observer_ = std::move(observer);
  }
  // Connections re-established so far (a restart, a failover, a closed one).
  int64_t reconnects() const { return reconnects_.load(); }

 private:
  struct WriteJob {
    WriteWork work;
    WriteDone done;
    absl::Time deadline;  // not started after it
  };
  explicit Database(Options options) : options_(std::move(options)) {}
  absl::Status Migrate(Connection& conn);
  void WriterLoop(Connection* conn);
  void ReaderLoop(Connection* conn);
  absl::Status RunWrite(Connection& conn, const WriteJob& job);
  absl::Status RunWriteWithRetries(Connection& conn, const WriteJob& job, int* retries);
  bool closing();
  void RunRead(Connection& conn, const ReadWork& work);
  // Reconnect, counted; a failure holds reads' reconnections back for 1 s.
  absl::Status Reconnect(Connection& conn);
  absl::Time ReconnectAllowedAt();
  std::string SessionSetup() const;
  absl::Duration AnswerTimeout() const;

  const Options options_;
  int schema_version_ = 0;
  std::function<void(const WriteOutcome&)> write_observer_;
  std::atomic<int64_t> reconnects_{0};
  std::atomic<int64_t> refused_writes_{0};
  std::atomic<bool> closing_{false};  // Close(): waits for answers end (Connection::set_abort)

  absl::Mutex mu_;
  std::deque<WriteJob> writes_ ABSL_GUARDED_BY(mu_);
  std::deque<ReadWork> reads_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex reconnect_mu_;
  absl::Time reconnect_allowed_at_ ABSL_GUARDED_BY(reconnect_mu_) = absl::InfinitePast();
  absl::Time last_connected_ ABSL_GUARDED_BY(reconnect_mu_) = absl::InfinitePast();  // its attempt's start

  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> inline_conns_ ABSL_GUARDED_BY(pool_mu_);
  std::vector<Connection*> free_inline_ ABSL_GUARDED_BY(pool_mu_);

  // Each owned by one thread.
  std::vector<std::unique_ptr<Connection>> writer_conns_, reader_conns_;
  std::vector<std::thread> threads_;
};

}  // namespace ent::postgres

#endif  // ENT_COMMON_POSTGRES_DATABASE_H_
