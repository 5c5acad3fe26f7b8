#include "tests/support/sqlite_peek.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace ent::testing {

absl::StatusOr<int64_t> QueryInt(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  // Read-write open (not executing writes): a killed writer leaves a WAL and
  // -shm that a read-only connection may not be allowed to recover.
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string error = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open ", db_path, ": ", error));
  }
  sqlite3_stmt* stmt = nullptr;
  absl::StatusOr<int64_t> out = absl::NotFoundError(absl::StrCat("no row: ", sql));
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    out = absl::InvalidArgumentError(absl::StrCat(sql, ": ", sqlite3_errmsg(db)));
  } else if (sqlite3_step(stmt) == SQLITE_ROW) {
    out = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

}  // namespace ent::testing
