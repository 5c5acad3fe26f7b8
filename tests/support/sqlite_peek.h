// Reads a number from a service's SQLite database file while the service is
// stopped (or killed): how crash tests prove where the crash landed.
#ifndef ENT_TESTS_SUPPORT_SQLITE_PEEK_H_
#define ENT_TESTS_SUPPORT_SQLITE_PEEK_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace ent::testing {

// The integer in the first column of the first row of `sql` on `db_path`
// (opened read-only; a WAL left by a killed process is read too).
absl::StatusOr<int64_t> QueryInt(const std::string& db_path, const std::string& sql);
// The text in the first column of the first row.
absl::StatusOr<std::string> QueryText(const std::string& db_path, const std::string& sql);
// Runs `sql` (e.g. to corrupt a record on purpose) on a stopped service's file.
absl::Status Execute(const std::string& db_path, const std::string& sql);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_SQLITE_PEEK_H_
