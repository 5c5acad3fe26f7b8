// A PostgreSQL connection (libpq), with the statements it has prepared, and
// the errors of the server turned into absl::Status by what the caller can do
// about them:
//  - UNAVAILABLE: the server cannot be reached or is not the primary (a
//    restart, a failover, a standby in read-only mode, resources exhausted);
//    transient, retry later. `connection_lost()` tells whether the connection
//    must be re-established. Also a statement or lock wait that ran out of
//    its time (statement_timeout, lock_timeout: the database is busy).
//  - ABORTED: a concurrent transaction won (serialization failure, deadlock,
//    a unique key taken first): retry the whole transaction. `retryable()`
//    tells the first two apart, which the Database retries by itself.
//  - INTERNAL: anything else (a bug, or a rule of the schema - an append-only
//    table - refusing the statement).
//  - ABORTED or FAILED_PRECONDITION, with the statement's own message: a
//    condition checked by the server (see ExpectRowsSql) did not hold.
//
// Deferred statements: a write transaction's statements whose results the
// caller does not need (an insert, an update whose condition the server
// checks itself) are queued by Defer and sent together with the next
// statement that needs an answer (Query, Exec, Flush) in one round trip
// (libpq's pipeline mode). They run on the server in the order they were
// issued; the first that fails aborts the rest and the transaction, and its
// error is returned by the call that sent it. So a transaction that defers
// must end with an Exec (COMMIT, RELEASE SAVEPOINT) or a Flush whose status
// it checks, and must DiscardDeferred before rolling back.
//
// Not thread-safe: one thread uses a connection at a time (the Database's
// pools hand each to one thread). REQUIRES: external synchronization.
#ifndef ENT_COMMON_POSTGRES_CONNECTION_H_
#define ENT_COMMON_POSTGRES_CONNECTION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/storage/storage_options.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace ent::postgres {

using storage::IsPostgresUri;

// `name` as a quoted SQL identifier ("a""b" for a"b).
std::string QuoteIdentifier(absl::string_view name);

// A statement's parameters, $1, $2, ... in the order added. Bytes travel in
// binary (bytea), the rest as text.
class Params {
 public:
  Params& Text(std::string value);
  Params& Int(int64_t value);
  Params& Bool(bool value);
  Params& Bytes(std::string value);
  Params& Null();
  // Text, or NULL when absent.
  Params& OptionalText(const std::optional<std::string>& value);
  // A text[] (an array literal, each element quoted): `= ANY ($n::text[])`.
  Params& TextArray(const std::vector<std::string>& values);

  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class Connection;
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
};

// `dml` (one INSERT, UPDATE or DELETE without RETURNING) as a statement that
// fails unless it changed exactly `rows` rows; then the server raises the
// text of parameter $`message_param` as its error, with the status
// `code` (ABORTED: a concurrent writer changed the row first, retry;
// FAILED_PRECONDITION: the row is not in the state the write requires;
// INTERNAL: a row the schema always holds is missing). `ctes`, if any, are
// common table expressions `dml` uses ("name AS (...), ..."). Runs in one
// round trip with the write, so that it can be deferred. Uses the function
// ent_expect_rows, which Database::Open creates in the schema.
std::string ExpectRowsSql(absl::string_view dml, int64_t rows, int message_param,
                          absl::StatusCode code, absl::string_view ctes = "");

// The rows a statement returned (text format; bytea decoded by Bytes).
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* result);
  Result(Result&& other) noexcept;
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result();

  int rows() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  bool Bool(int row, int column) const;
  // A bytea column, decoded from its hex text form.
  std::string Bytes(int row, int column) const;
  // Rows inserted, updated or deleted (PQcmdTuples).
  int64_t affected() const;

 private:
  PGresult* result_ = nullptr;
};

class Connection {
 public:
  // Connects to `uri` (a libpq connection URI or key=value string;
  // multi-host URIs with target_session_attrs=read-write reach the primary),
  // then runs `setup` (session settings, e.g. the search_path), again after
  // each Reconnect.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& uri,
                                                          std::string setup = "");
  // A connection to `uri` not established yet (the server cannot be
  // reached): every statement fails UNAVAILABLE until Reconnect succeeds.
  static std::unique_ptr<Connection> Disconnected(const std::string& uri, std::string setup = "");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (one or more statements, no parameters; one statement when
  // deferred statements are pending, which are sent first, in the same
  // round trip).
  absl::Status Exec(absl::string_view sql);
  // Runs one statement with `params`, prepared once per connection, after
  // the deferred statements, in the same round trip.
  absl::StatusOr<Result> Query(absl::string_view sql, const Params& params = Params());

  // Queues one statement to be sent with the next Exec, Query or Flush (see
  // above). Prepared once per connection.
  void Defer(std::string sql, Params params = Params());
  // Likewise for a statement without parameters that is not prepared
  // (transaction control: BEGIN, SAVEPOINT).
  void DeferCommand(std::string sql);
  // Sends the deferred statements now; the first one's error.
  absl::Status Flush();
  // Forgets the deferred statements not sent yet.
  void DiscardDeferred() { deferred_.clear(); }
  // How many statements wait to be sent.
  size_t deferred() const { return deferred_.size(); }
  // Sends one statement without parameters and does not wait for its answer
  // (the server runs it at once; the answer is read by the next call, which
  // reports a failure of it as the connection's). For the ROLLBACK that ends
  // a read-only transaction. Nothing may be deferred.
  void SendWithoutWaiting(const std::string& sql);
  // Whether the connection is still open as far as can be told without a
  // round trip: an idle connection on which the server sent something has
  // been closed by it (a shutdown, a restart); it is then closed here too
  // (Reconnect before use).
  bool IsAlive();
  // For a connection that LISTENs (outside any transaction): waits up to
  // `timeout` for notifications and returns how many arrived (0 at the
  // timeout). UNAVAILABLE when the connection was lost (Reconnect, LISTEN
  // again: what was sent meanwhile is lost).
  absl::StatusOr<int> AwaitNotifications(absl::Duration timeout);
  // How long a call waits for the server's answer before the connection is
  // presumed lost (a partition: the server never answers, nothing resets
  // the socket): then UNAVAILABLE, and the connection is dropped (Reconnect
  // before use; if a COMMIT was in flight its outcome is unknown). Infinite
  // by default; the Database sets its statement timeout plus its network
  // timeout.
  void set_answer_timeout(absl::Duration timeout) { answer_timeout_ = timeout; }
  // While `*abort` is true (the owner is closing), a wait for an answer ends
  // within 100 ms, as if none came. Null: never.
  void set_abort(const std::atomic<bool>* abort) { abort_ = abort; }
  // How many times statements were sent (a caller tells by it whether
  // statements it deferred are still queued).
  int64_t sends() const { return sends_; }

  // Whether a transaction is open (or failed and not yet rolled back).
  bool InTransaction() const;
  // The SQLSTATE of the last error ("" if none since the last success).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // The last error was a serialization failure or a deadlock: the whole
  // transaction may be run again.
  bool retryable() const;
  // The connection is broken (the server went away), or leads to a server
  // that is shutting down or is no longer the primary: Reconnect before use.
  bool needs_reconnect() const;
  // Re-establishes the connection (same URI, possibly another host of it).
  absl::Status Reconnect();

 private:
  Connection(PGconn* conn, std::string uri, std::string setup)
      : conn_(conn), uri_(std::move(uri)), setup_(std::move(setup)) {}
  struct Statement {
    std::string sql;
    Params params;
    bool prepare = true;  // else sent unnamed (transaction control)
  };
  bool connection_lost() const;
  absl::Status Error(PGresult* result, absl::string_view what);
  // The statement name of `sql` if prepared already, else "".
  std::string PreparedName(absl::string_view sql) const;
  // Sends the deferred statements, then `last` if any, in one pipeline;
  // the first error, or `last`'s result.
  absl::StatusOr<Result> SendPipeline(std::optional<Statement> last);
  // Reads the answer of what SendWithoutWaiting sent, if any; a failure
  // closes the connection (Reconnect before use).
  void ReadUnreadAnswer();
  // Closes a connection that cannot be used any more.
  void Drop();
  // Waits for the answer under way (false: none within answer_timeout_).
  bool AwaitAnswer();
  // The connection dropped after no answer came: UNAVAILABLE.
  absl::Status NoAnswer(absl::string_view what);

  PGconn* conn_;
  const std::string uri_;
  const std::string setup_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // SQL -> statement name
  int64_t next_statement_ = 1;
  std::vector<Statement> deferred_;
  int64_t sends_ = 0;
  bool unread_answer_ = false;  // of SendWithoutWaiting
  std::string last_sqlstate_;
  absl::Duration answer_timeout_ = absl::InfiniteDuration();
  const std::atomic<bool>* abort_ = nullptr;
};

}  // namespace ent::postgres

#endif  // ENT_COMMON_POSTGRES_CONNECTION_H_
