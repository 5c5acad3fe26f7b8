#include "common/postgres/connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"

namespace ent::postgres {
namespace {

// SQLSTATEs after which the transaction may simply be run again.
bool IsRetryable(const std::string& state) { return state == "40001" || state == "40P01"; }

// The server is unreachable, shutting down, or not (any more) the primary.
bool IsUnavailable(const std::string& state) {
  return absl::StartsWith(state, "08") ||  // connection exception
         absl::StartsWith(state, "53") ||  // insufficient resources
         absl::StartsWith(state, "57P") || // admin/crash shutdown, cannot connect now
         absl::StartsWith(state, "58") ||  // system error (I/O)
         state == "25006";                 // read-only transaction: a standby
}

// A bound on a wait ran out (lock_timeout, statement_timeout): the database
// is busy or something holds a lock too long; the connection is fine.
bool IsTimedOut(const std::string& state) { return state == "55P03" || state == "57014"; }

// The SQLSTATEs ent_expect_rows raises (class "EN": not PostgreSQL's).
constexpr char kConflictState[] = "EN409";
constexpr char kPreconditionState[] = "EN412";
constexpr char kInternalState[] = "EN500";

}  // namespace

std::string ExpectRowsSql(absl::string_view dml, int64_t rows, int message_param,
                          absl::StatusCode code, absl::string_view ctes) {
  const char* state = code == absl::StatusCode::kAborted              ? kConflictState
                      : code == absl::StatusCode::kFailedPrecondition ? kPreconditionState
                                                                      : kInternalState;
  return absl::StrCat("WITH ", ctes, ctes.empty() ? "" : ", ", "changed AS (", dml,
                      " RETURNING 1) SELECT ent_expect_rows((SELECT count(*) FROM changed), ", rows, ", $",
                      message_param, "::text, '", state, "')");
}

std::string QuoteIdentifier(absl::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Params& Params::Text(std::string value) {
  values_.emplace_back(std::move(value));
  formats_.push_back(0);
  return *this;
}
Params& Params::Int(int64_t value) { return Text(absl::StrCat(value)); }
Params& Params::Bool(bool value) { return Text(value ? "t" : "f"); }
Params& Params::Bytes(std::string value) {
  values_.emplace_back(std::move(value));
  formats_.push_back(1);
  return *this;
}
Params& Params::Null() {
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}
Params& Params::OptionalText(const std::optional<std::string>& value) {
  return value ? Text(*value) : Null();
}

Params& Params::TextArray(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    literal += i == 0 ? "\"" : ",\"";
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return Text(literal + "}");
}

Result::Result(PGresult* result) : result_(result) {}
Result::Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}
Result::~Result() {
  if (result_ != nullptr) PQclear(result_);
}
int Result::rows() const { return result_ == nullptr ? 0 : PQntuples(result_); }
bool Result::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
std::string Result::Text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column), PQgetlength(result_, row, column));
}
int64_t Result::Int(int row, int column) const {
  int64_t v = 0;
  if (!absl::SimpleAtoi(absl::string_view(PQgetvalue(result_, row, column),
                                          PQgetlength(result_, row, column)),
                        &v)) {
    return 0;
  }
  return v;
}
bool Result::Bool(int row, int column) const { return PQgetvalue(result_, row, column)[0] == 't'; }
std::string Result::Bytes(int row, int column) const {
  // libpq decodes both bytea output forms (hex, the session's, and escape).
  size_t length = 0;
  unsigned char* bytes =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &length);
  if (bytes == nullptr) return std::string();  // out of memory
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}
int64_t Result::affected() const {
  int64_t n = 0;
  if (result_ == nullptr || !absl::SimpleAtoi(PQcmdTuples(result_), &n)) return 0;
  return n;
}

namespace {
constexpr char kSessionSettings[] = "SET bytea_output = 'hex'; SET client_min_messages = warning;";
}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& uri,
                                                             std::string setup) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (conn == nullptr) return absl::UnavailableError("postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = absl::StrCat("cannot connect to postgresql: ", PQerrorMessage(conn));
    PQfinish(conn);
    return absl::UnavailableError(message);
  }
  std::unique_ptr<Connection> c(new Connection(conn, uri, std::move(setup)));
  // Binary data travels as hex; every instant is stored in microseconds
  // since the epoch (bigint), so the session's time zone does not matter.
  if (auto st = c->Exec(kSessionSettings); !st.ok()) return st;
  if (!c->setup_.empty()) {
    if (auto st = c->Exec(c->setup_); !st.ok()) return st;
  }
  return c;
}

std::unique_ptr<Connection> Connection::Disconnected(const std::string& uri, std::string setup) {
  std::unique_ptr<Connection> c(new Connection(nullptr, uri, std::move(setup)));
  c->last_sqlstate_ = "08006";
  return c;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

absl::Status Connection::Error(PGresult* result, absl::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state != nullptr ? state : (PQstatus(conn_) == CONNECTION_BAD ? "08006" : "XX000");
  std::string message = absl::StrCat(
      "postgresql ", what, ": ",
      result != nullptr && PQresultErrorMessage(result)[0] != '\0' ? PQresultErrorMessage(result)
                                                                   : PQerrorMessage(conn_));
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  absl::StrAppend(&message, " [", last_sqlstate_, "]");
  if (last_sqlstate_ == kConflictState || last_sqlstate_ == kPreconditionState ||
      last_sqlstate_ == kInternalState) {
    // A condition the statement checked itself: its own message.
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    std::string own = primary != nullptr ? primary : message;
    PQclear(result);
    if (last_sqlstate_ == kConflictState) return absl::AbortedError(own);
    if (last_sqlstate_ == kPreconditionState) return absl::FailedPreconditionError(own);
    return absl::InternalError(own);
  }
  if (result != nullptr) PQclear(result);
  if (connection_lost() || IsUnavailable(last_sqlstate_) || IsTimedOut(last_sqlstate_)) {
    return absl::UnavailableError(message);
  }
  if (IsRetryable(last_sqlstate_) || last_sqlstate_ == "23505") return absl::AbortedError(message);
  return absl::InternalError(message);
}

bool Connection::retryable() const { return IsRetryable(last_sqlstate_); }
bool Connection::connection_lost() const {
  return conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD;
}
bool Connection::needs_reconnect() const {
  return connection_lost() || IsUnavailable(last_sqlstate_);
}

bool Connection::InTransaction() const {
  const PGTransactionStatusType s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

void Connection::Drop() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();
  unread_answer_ = false;
  last_sqlstate_ = "08006";
}

void Connection::SendWithoutWaiting(const std::string& sql) {
  ReadUnreadAnswer();
  if (connection_lost() || !deferred_.empty()) return;
  if (PQenterPipelineMode(conn_) != 1 ||
      PQsendQueryParams(conn_, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
      PQpipelineSync(conn_) != 1) {
    return Drop();
  }
  unread_answer_ = true;
}

void Connection::ReadUnreadAnswer() {
  if (!unread_answer_) return;
  unread_answer_ = false;
  bool ok = AwaitAnswer();
  while (PGresult* r = ok ? PQgetResult(conn_) : nullptr) {
    const ExecStatusType s = PQresultStatus(r);
    ok = ok && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK);
    PQclear(r);
  }
  PGresult* sync = ok && AwaitAnswer() ? PQgetResult(conn_) : nullptr;
  ok = ok && sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  if (!ok || PQexitPipelineMode(conn_) != 1) Drop();
}

bool Connection::IsAlive() {
  ReadUnreadAnswer();
  if (connection_lost()) return false;
  // Idle, the server sends nothing (no LISTEN here): anything readable is it
  // closing the connection (a shutdown's FATAL, then end of file).
  pollfd idle{PQsocket(conn_), POLLIN, 0};
  if (poll(&idle, 1, 0) == 0) return true;
  Drop();
  return false;
}

bool Connection::AwaitAnswer() {
  if (answer_timeout_ == absl::InfiniteDuration() && abort_ == nullptr) return true;  // PQgetResult waits
  const absl::Time deadline = absl::Now() + answer_timeout_;
  while (conn_ != nullptr && PQisBusy(conn_)) {
    if (abort_ != nullptr && abort_->load()) return false;
    const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (ms <= 0) return false;
    pollfd readable{PQsocket(conn_), POLLIN, 0};
    const int rc = poll(&readable, 1, static_cast<int>(std::min<int64_t>(ms, abort_ ? 100 : 1 << 30)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) continue;  // the deadline and the abort flag, above
    if (PQconsumeInput(conn_) != 1) return true;  // the failure is PQgetResult's to report
  }
  return true;
}

absl::Status Connection::NoAnswer(absl::string_view what) {
  Drop();
  if (abort_ != nullptr && abort_->load()) {
    return absl::UnavailableError(absl::StrCat("postgresql ", what,
                                               ": abandoned, the database is being closed (the "
                                               "service is stopping); the outcome is unknown"));
  }
  return absl::UnavailableError(absl::StrCat(
      "postgresql ", what, ": no answer within ", absl::FormatDuration(answer_timeout_),
      " (the server or the network is unreachable; the connection is dropped)"));
}

absl::StatusOr<int> Connection::AwaitNotifications(absl::Duration timeout) {
  ReadUnreadAnswer();
  if (connection_lost()) return absl::UnavailableError("postgresql: not connected");
  int received = 0;
  auto consume = [&]() -> absl::Status {
    if (PQconsumeInput(conn_) != 1) {
      std::string why = PQerrorMessage(conn_);
      Drop();
      return absl::UnavailableError(absl::StrCat("postgresql: the listening connection was lost: ", why));
    }
    while (PGnotify* n = PQnotifies(conn_)) {
      ++received;
      PQfreemem(n);
    }
    return absl::OkStatus();
  };
  if (auto st = consume(); !st.ok()) return st;
  if (received > 0) return received;
  pollfd readable{PQsocket(conn_), POLLIN, 0};
  const int ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(timeout)));
  if (poll(&readable, 1, ms) > 0) {
    if (auto st = consume(); !st.ok()) return st;
  }
  return received;
}

absl::Status Connection::Reconnect() {
  prepared_.clear();
  deferred_.clear();
  unread_answer_ = false;
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = PQconnectdb(uri_.c_str());
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    last_sqlstate_ = "08006";
    return absl::UnavailableError(
        absl::StrCat("cannot reconnect to postgresql: ", conn_ ? PQerrorMessage(conn_) : "no memory"));
  }
  last_sqlstate_.clear();
  if (auto st = Exec(kSessionSettings); !st.ok()) return st;
  return setup_.empty() ? absl::OkStatus() : Exec(setup_);
}

absl::Status Connection::Exec(absl::string_view sql) {
  ReadUnreadAnswer();
  if (!deferred_.empty()) {
    return SendPipeline(Statement{std::string(sql), Params(), /*prepare=*/false}).status();
  }
  ++sends_;
  if (connection_lost()) return Error(nullptr, "exec");
  if (PQsendQuery(conn_, std::string(sql).c_str()) != 1) return Error(nullptr, "exec");
  // One result per statement; the first failure is the answer (the server
  // runs none after it).
  absl::Status first;
  while (true) {
    if (!AwaitAnswer()) return NoAnswer("exec");
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) break;
    const ExecStatusType s = PQresultStatus(result);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && first.ok()) {
      first = Error(result, "exec");
    } else {
      PQclear(result);
    }
  }
  if (first.ok()) last_sqlstate_.clear();
  return first;
}

std::string Connection::PreparedName(absl::string_view sql) const {
  auto it = prepared_.find(sql);
  return it == prepared_.end() ? std::string() : it->second;
}

absl::StatusOr<Result> Connection::Query(absl::string_view sql, const Params& params) {
  return SendPipeline(Statement{std::string(sql), params, /*prepare=*/true});
}

void Connection::Defer(std::string sql, Params params) {
  deferred_.push_back(Statement{std::move(sql), std::move(params), /*prepare=*/true});
}

void Connection::DeferCommand(std::string sql) {
  deferred_.push_back(Statement{std::move(sql), Params(), /*prepare=*/false});
}

absl::Status Connection::Flush() {
  if (deferred_.empty()) return absl::OkStatus();
  return SendPipeline(std::nullopt).status();
}

absl::StatusOr<Result> Connection::SendPipeline(std::optional<Statement> last) {
  ReadUnreadAnswer();
  std::vector<Statement> batch = std::exchange(deferred_, {});
  if (last) batch.push_back(std::move(*last));
  ++sends_;
  if (connection_lost()) return Error(nullptr, "pipeline");
  if (PQenterPipelineMode(conn_) != 1) return Error(nullptr, "pipeline");
  // What is sent, in order; each gets its results then a NULL.
  struct Sent {
    const Statement* statement;
    std::string new_name;  // a Parse sent for it (not a statement's run)
  };
  std::vector<Sent> sent;
  absl::flat_hash_map<std::string, std::string> parsed;  // in this pipeline
  bool send_failed = false;
  for (const Statement& st : batch) {
    const int n = st.params.size();
    std::vector<const char*> values(n);
    std::vector<int> lengths(n);
    for (int i = 0; i < n; ++i) {
      values[i] = st.params.values_[i] ? st.params.values_[i]->data() : nullptr;
      lengths[i] = st.params.values_[i] ? static_cast<int>(st.params.values_[i]->size()) : 0;
    }
    int ok;
    if (!st.prepare) {
      ok = PQsendQueryParams(conn_, st.sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
    } else {
      std::string name = PreparedName(st.sql);
      if (name.empty()) {
        auto it = parsed.find(st.sql);
        if (it != parsed.end()) {
          name = it->second;
        } else {
          name = absl::StrCat("ent_", next_statement_++);
          if (PQsendPrepare(conn_, name.c_str(), st.sql.c_str(), 0, nullptr) != 1) {
            send_failed = true;
            break;
          }
          parsed.emplace(st.sql, name);
          sent.push_back({&st, name});
        }
      }
      ok = PQsendQueryPrepared(conn_, name.c_str(), n, values.data(), lengths.data(),
                               st.params.formats_.data(), /*resultFormat=*/0);
    }
    if (ok != 1) {
      send_failed = true;
      break;
    }
    sent.push_back({&st, ""});
  }
  if (send_failed || PQpipelineSync(conn_) != 1) {
    // The connection broke while sending: nothing can be trusted of it.
    absl::Status error = Error(nullptr, "pipeline");
    Drop();  // no half-sent pipeline left behind: Reconnect before use
    return absl::UnavailableError(error.message());
  }
  absl::Status first_error;
  std::string first_state;
  Result answer;
  bool answered = true;
  for (size_t i = 0; i < sent.size() && answered; ++i) {
    bool failed = false;
    while (PGresult* r = (answered = AwaitAnswer()) ? PQgetResult(conn_) : nullptr) {
      const ExecStatusType s = PQresultStatus(r);
      if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        if (!sent[i].new_name.empty()) {
          prepared_.emplace(sent[i].statement->sql, sent[i].new_name);
          PQclear(r);
        } else if (i + 1 == sent.size() && last) {
          answer = Result(r);
        } else {
          PQclear(r);
        }
      } else if (s == PGRES_PIPELINE_ABORTED) {
        failed = true;
        PQclear(r);
      } else {
        failed = true;
        absl::Status e = Error(r, sent[i].new_name.empty() ? "query" : "prepare");
        if (first_error.ok()) {
          first_error = std::move(e);
          first_state = last_sqlstate_;
        }
      }
    }
    if (failed && first_error.ok()) {
      first_error = Error(nullptr, "pipeline");
      first_state = last_sqlstate_;
    }
    if (connection_lost()) break;
  }
  // The synchronisation point, then out of pipeline mode.
  bool synced = false;
  if (!answered) return NoAnswer("pipeline");
  if (!connection_lost()) {
    while (PGresult* r = (answered = AwaitAnswer()) ? PQgetResult(conn_) : nullptr) {
      synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (synced) break;
    }
  }
  if (!answered) return NoAnswer("pipeline");
  if (!synced || PQexitPipelineMode(conn_) != 1) {
    // The server went away mid-pipeline (a restart, a failover), perhaps
    // before libpq noticed: the connection cannot be used any more.
    std::string why = first_error.ok() ? PQerrorMessage(conn_) : std::string(first_error.message());
    Drop();
    return absl::UnavailableError(absl::StrCat("postgresql pipeline: the connection was lost: ", why));
  }
  if (!first_error.ok()) {
    last_sqlstate_ = first_state;
    return first_error;
  }
  last_sqlstate_.clear();
  return answer;
}

}  // namespace ent::postgres
