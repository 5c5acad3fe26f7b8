#include "common/sqlite/connection.h"

#include "absl/strings/str_join.h"
#include "common/status_macros.h"

#include "common/sqlite/test_vfs.h"

#include <sqlite3.h>

#include <cstdio>

#include <vector>

#include "absl/strings/str_cat.h"

namespace ent::sqlite {

absl::Status Connection::Error(int rc, absl::string_view what) const {
  std::string message = absl::StrCat("sqlite ", what, ": ", sqlite3_errstr(rc));
  if (db_ != nullptr) absl::StrAppend(&message, " (", sqlite3_errmsg(db_), ")");
  const int primary = rc & 0xff;
  // Transient: another writer, or the disk (full, failing I/O): the caller
  // may retry later; nothing of the failed transaction was kept.
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_FULL ||
      primary == SQLITE_IOERR) {
    return absl::UnavailableError(message);
  }
  // A key another writer took first (a unique index backing a rule across
  // rows): the command may be retried, and will then see that writer's row.
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AbortedError(message);
  }
  return absl::InternalError(message);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode) {
  sqlite3* db = nullptr;
  const int flags = (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  MaybeInstallTestVfs();  // tests and benchmarks only (ENT_SQLITE_SYNC_DELAY_US, ENT_SQLITE_FAULT_FILE)
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = absl::StrCat("cannot open ", path, ": ", sqlite3_errstr(rc));
    sqlite3_close(db);
    return absl::UnavailableError(message);
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  if (mode == Mode::kReadWrite) {
    // temp_store=MEMORY: the sub-journals of savepoints (one per job of a
    // group commit, one per isolated timer) stay in memory instead of
    // spilling to a temporary file written, then deleted, per transaction.
    if (auto st = conn->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                             "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");
        !st.ok()) {
      return st;
    }
  }
  return conn;
}

void Connection::OnWalCommit(std::function<void(int frames)> hook) {
  wal_hook_ = std::move(hook);
  sqlite3_wal_hook(
      db_,
      [](void* arg, sqlite3*, const char*, int frames) {
        static_cast<Connection*>(arg)->wal_hook_(frames);
        return SQLITE_OK;
      },
      this);
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

absl::Status Connection::Exec(absl::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return Error(rc, "exec");
  return absl::OkStatus();
}

absl::StatusOr<Statement> Connection::Prepare(absl::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, absl::StrCat("prepare [", key, "]"));
    it = cache_.emplace(std::move(key), stmt).first;
  }
  return Statement(this, it->second);
}

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Connection::Changes() const { return sqlite3_changes(db_); }
bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_), stmt_(other.stmt_), bind_error_(std::move(other.bind_error_)) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = conn_->Error(rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view text) {
  const int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = conn_->Error(rc, "bind");
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  const int rc = sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = conn_->Error(rc, "bind");
  return *this;
}

Statement& Statement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = conn_->Error(rc, "bind");
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->Error(rc, absl::StrCat("step [", sqlite3_sql(stmt_), "]"));
}

absl::Status Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

int64_t Statement::ColumnInt64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::ColumnText(int col) const {
  const auto* text = sqlite3_column_blob(stmt_, col);
  const int size = sqlite3_column_bytes(stmt_, col);
  return text == nullptr ? std::string() : std::string(static_cast<const char*>(text), size);
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

absl::StatusOr<std::string> Connection::BackupTo(const std::string& path) {
  const std::string partial = path + ".partial";
  std::remove(partial.c_str());
  sqlite3* copy = nullptr;
  int rc = sqlite3_open_v2(partial.c_str(), &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                           nullptr);
  auto fail = [&](absl::Status st) {
    sqlite3_close(copy);
    std::remove(partial.c_str());
    return st;
  };
  if (rc != SQLITE_OK) {
    return fail(absl::UnavailableError(absl::StrCat("cannot create ", partial, ": ", sqlite3_errstr(rc))));
  }
  sqlite3_backup* backup = sqlite3_backup_init(copy, "main", db_, "main");
  if (backup == nullptr) {
    return fail(absl::InternalError(absl::StrCat("backup: ", sqlite3_errmsg(copy))));
  }
  rc = sqlite3_backup_step(backup, -1);  // every page, from one snapshot
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return fail(absl::UnavailableError(absl::StrCat("backup to ", partial, ": ", sqlite3_errstr(rc))));
  }
  std::string integrity;
  sqlite3_stmt* check = nullptr;
  if (sqlite3_prepare_v2(copy, "PRAGMA integrity_check", -1, &check, nullptr) == SQLITE_OK) {
    while (sqlite3_step(check) == SQLITE_ROW) {
      if (!integrity.empty()) integrity += "; ";
      integrity += reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
    }
  }
  sqlite3_finalize(check);
  if (integrity != "ok") {
    return fail(absl::InternalError(absl::StrCat("the backup failed its integrity check: ", integrity)));
  }
  if (sqlite3_close(copy) != SQLITE_OK) {
    copy = nullptr;
    return fail(absl::UnavailableError(absl::StrCat("cannot close ", partial)));
  }
  copy = nullptr;
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    return fail(absl::UnavailableError(absl::StrCat("cannot rename ", partial, " to ", path)));
  }
  return integrity;
}

absl::Status ApplyMigrations(Connection& conn, const std::vector<Migration>& migrations) {
  int64_t current = 0;
  {
    auto version_stmt = conn.Prepare("PRAGMA user_version");
    if (!version_stmt.ok()) return version_stmt.status();
    auto row = version_stmt->Step();
    if (!row.ok()) return row.status();
    current = version_stmt->ColumnInt64(0);
  }
  if (current > static_cast<int64_t>(migrations.size())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", current, " is newer than this program (",
        migrations.size(), ")"));
  }
  for (size_t v = static_cast<size_t>(current); v < migrations.size(); ++v) {
    if (auto st = conn.Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
    absl::Status st = conn.Exec(migrations[v].sql);
    if (st.ok() && migrations[v].code) st = migrations[v].code(conn);
    if (st.ok()) st = conn.Exec(absl::StrCat("PRAGMA user_version=", v + 1));
    if (st.ok()) st = conn.Exec("COMMIT");
    if (!st.ok()) {
      conn.Exec("ROLLBACK").IgnoreError();
      return absl::InternalError(absl::StrCat("migration ", v + 1, " failed: ", st.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status RewriteRows(
    Connection& conn, const std::string& select, int key_columns, const std::string& update,
    const std::function<absl::StatusOr<std::string>(const std::vector<std::string>& row)>& convert) {
  while (true) {
    std::vector<std::vector<std::string>> rows;
    {
      ENT_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(absl::StrCat(select, " LIMIT 500")));
      while (true) {
        ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        std::vector<std::string> values;
        for (int i = 0; i <= key_columns; ++i) values.push_back(stmt.ColumnText(i));
        rows.push_back(std::move(values));
      }
    }
    if (rows.empty()) return absl::OkStatus();
    for (const auto& row : rows) {
      absl::StatusOr<std::string> value = convert(row);
      if (!value.ok()) {
        std::vector<std::string> key(row.begin(), row.begin() + key_columns);
        return absl::InternalError(absl::StrCat("cannot rewrite the row (",
                                                absl::StrJoin(key, ", "), "): ",
                                                value.status().message()));
      }
      ENT_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(update));
      stmt.BindBlob(1, *value);
      for (int i = 0; i < key_columns; ++i) stmt.Bind(i + 2, row[i]);
      ENT_RETURN_IF_ERROR(stmt.Run());
    }
  }
}

}  // namespace ent::sqlite
