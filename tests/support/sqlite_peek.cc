#include "tests/support/sqlite_peek.h"

#include <sqlite3.h>

#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"

namespace ent::testing {

namespace {

// Runs `sql` and hands its first row (if any) to `row`.
absl::Status Run(const std::string& db_path, const std::string& sql,
                 const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3* db = nullptr;
  // Read-write open: a killed writer leaves a WAL and -shm that a read-only
  // connection may not be allowed to recover.
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string error = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open ", db_path, ": ", error));
  }
  sqlite3_stmt* stmt = nullptr;
  absl::Status st = absl::OkStatus();
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    st = absl::InvalidArgumentError(absl::StrCat(sql, ": ", sqlite3_errmsg(db)));
  } else {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      row(stmt);
    } else if (rc != SQLITE_DONE) {
      st = absl::InternalError(absl::StrCat(sql, ": ", sqlite3_errmsg(db)));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return st;
}

}  // namespace

absl::StatusOr<int64_t> QueryInt(const std::string& db_path, const std::string& sql) {
  std::optional<int64_t> out;
  absl::Status st = Run(db_path, sql, [&](sqlite3_stmt* s) { out = sqlite3_column_int64(s, 0); });
  if (!st.ok()) return st;
  if (!out) return absl::NotFoundError(absl::StrCat("no row: ", sql));
  return *out;
}

absl::StatusOr<std::string> QueryText(const std::string& db_path, const std::string& sql) {
  std::optional<std::string> out;
  absl::Status st = Run(db_path, sql, [&](sqlite3_stmt* s) {
    const unsigned char* text = sqlite3_column_text(s, 0);
    out = text == nullptr ? "" : reinterpret_cast<const char*>(text);
  });
  if (!st.ok()) return st;
  if (!out) return absl::NotFoundError(absl::StrCat("no row: ", sql));
  return *out;
}

absl::Status Execute(const std::string& db_path, const std::string& sql) {
  return Run(db_path, sql, [](sqlite3_stmt*) {});
}

}  // namespace ent::testing
