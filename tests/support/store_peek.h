// What a running (or stopped) service stored, read or changed behind its
// back, whichever backend it runs on: its SQLite file, or its schema in its
// PostgreSQL database (ServiceProcess::database_uri). The SQL must mean the
// same in both dialects (plain SELECT, UPDATE, DELETE).
#ifndef ENT_TESTS_SUPPORT_STORE_PEEK_H_
#define ENT_TESTS_SUPPORT_STORE_PEEK_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tests/support/service_process.h"

namespace ent::testing {

// The integer in the first column of the first row of `sql`.
absl::StatusOr<int64_t> StoreQueryInt(const ServiceProcess& service, const std::string& sqlite_path,
                                      const std::string& schema, const std::string& sql);
// Runs `sql`.
absl::Status StoreExecute(const ServiceProcess& service, const std::string& sqlite_path,
                          const std::string& schema, const std::string& sql);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_STORE_PEEK_H_
