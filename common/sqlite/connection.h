// A thin RAII layer over one SQLite connection: prepared statements cached by
// SQL text and reused, typed binding and reading, and errors as absl::Status
// (SQLITE_BUSY/LOCKED and disk errors become UNAVAILABLE, a UNIQUE or PRIMARY
// KEY conflict ABORTED, everything else INTERNAL).
//
// Thread-safety: a Connection and its statements belong to one thread at a time.
#ifndef ENT_COMMON_SQLITE_CONNECTION_H_
#define ENT_COMMON_SQLITE_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ent::sqlite {

class Connection;

// A prepared statement borrowed from the connection's cache. Resets itself and
// clears its bindings when destroyed, so the cached statement can be reused.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Binds 1-based parameter `index`.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, absl::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, absl::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, absl::string_view(text)); }
  Statement& BindNull(int index);
  Statement& BindBlob(int index, absl::string_view bytes);
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // Advances; true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows.
  absl::Status Run();

  int64_t ColumnInt64(int col) const;
  std::string ColumnText(int col) const;
  bool ColumnIsNull(int col) const;

 private:
  friend class Connection;
  Statement(Connection* conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  Connection* conn_;
  sqlite3_stmt* stmt_;
  absl::Status bind_error_;
};

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (creating when read-write) the database at `path` in WAL mode with
  // synchronous=FULL and a busy timeout.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows, without caching them.
  absl::Status Exec(absl::string_view sql);
  // Returns the cached prepared statement for `sql`, preparing it on first use.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);

  // Copies the database, as this connection sees it (its read transaction's
  // snapshot, if one is open), to a new file at `path` with SQLite's online
  // backup API, then checks the copy (PRAGMA integrity_check). The copy is
  // written beside `path` and renamed into place only when complete and
  // sound. Returns the copy's integrity check result ("ok").
  absl::StatusOr<std::string> BackupTo(const std::string& path);

  // Calls `hook` after each commit with the number of frames in the WAL, in
  // place of SQLite's automatic checkpoints (the hook decides when one is
  // run, and by whom). Set before the first write.
  void OnWalCommit(std::function<void(int frames)> hook);

  int64_t LastInsertRowId() const;
  int Changes() const;
  bool InTransaction() const;

  // Status for SQLite result code `rc`, with the connection's message.
  absl::Status Error(int rc, absl::string_view what) const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  std::function<void(int)> wal_hook_;
};

// One step of a database's schema: SQL, then optionally code that rewrites
// rows SQL cannot (e.g. re-encoding stored records), in the same transaction.
struct Migration {
  using Step = std::function<absl::Status(Connection&)>;
  Migration(std::string sql_text) : sql(std::move(sql_text)) {}  // NOLINT: implicit by design
  Migration(const char* sql_text) : sql(sql_text) {}             // NOLINT
  Migration(std::string sql_text, Step code_step)
      : sql(std::move(sql_text)), code(std::move(code_step)) {}
  std::string sql;
  Step code;  // may be empty
};

// Applies `migrations[i]` (its SQL, then its code) for every i >= PRAGMA
// user_version, each in its own transaction, and records the new version.
// Fails if the database is newer than the code. REQUIRES: no other
// connection writes meanwhile (start-up, before the writer thread runs).
absl::Status ApplyMigrations(Connection& conn, const std::vector<Migration>& migrations);

// The table, in every service database, that names the protobuf message
// stored in each record column: (table_name, column_name, message).
inline constexpr char kRecordFormatsTableSql[] = R"sql(
CREATE TABLE record_formats (
  table_name  TEXT NOT NULL,
  column_name TEXT NOT NULL,
  message     TEXT NOT NULL,  -- protobuf message type of the column's bytes
  PRIMARY KEY (table_name, column_name)
) WITHOUT ROWID;
)sql";

// For migrations that rewrite a column in code: repeatedly runs `select`
// (which returns key columns, then the value to convert, and must stop
// matching a row once it is rewritten, e.g. `WHERE typeof(body) = 'text'`)
// in batches of 500, converts each row's value with `convert`, and runs
// `update` bound with (1 = the new value as a blob, 2.. = the key columns).
// A row that does not convert fails the whole rewrite, naming its key.
absl::Status RewriteRows(
    Connection& conn, const std::string& select, int key_columns, const std::string& update,
    const std::function<absl::StatusOr<std::string>(const std::vector<std::string>& row)>& convert);

}  // namespace ent::sqlite

#endif  // ENT_COMMON_SQLITE_CONNECTION_H_
