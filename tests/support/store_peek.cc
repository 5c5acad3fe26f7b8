#include "tests/support/store_peek.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "common/postgres/connection.h"
#include "tests/support/sqlite_peek.h"

namespace ent::testing {
namespace {

absl::StatusOr<std::unique_ptr<postgres::Connection>> Connect(const ServiceProcess& service,
                                                              const std::string& schema) {
  return postgres::Connection::Open(service.database_uri(),
                                    absl::StrCat("SET search_path = ", schema));
}

}  // namespace

absl::StatusOr<int64_t> StoreQueryInt(const ServiceProcess& service, const std::string& sqlite_path,
                                      const std::string& schema, const std::string& sql) {
  if (service.database_uri().empty()) return QueryInt(sqlite_path, sql);
  auto conn = Connect(service, schema);
  if (!conn.ok()) return conn.status();
  auto result = (*conn)->Query(sql);
  if (!result.ok()) return result.status();
  if (result->rows() == 0) return absl::NotFoundError(absl::StrCat("no row: ", sql));
  return result->Int(0, 0);
}

absl::Status StoreExecute(const ServiceProcess& service, const std::string& sqlite_path,
                          const std::string& schema, const std::string& sql) {
  if (!service.database_uri().empty()) {
    auto conn = Connect(service, schema);
    if (!conn.ok()) return conn.status();
    return (*conn)->Exec(sql);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(sqlite_path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open ", sqlite_path));
  }
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  absl::Status st = rc == SQLITE_OK ? absl::OkStatus()
                                    : absl::InternalError(absl::StrCat(sql, ": ", err ? err : "error"));
  sqlite3_free(err);
  sqlite3_close(db);
  return st;
}

}  // namespace ent::testing
