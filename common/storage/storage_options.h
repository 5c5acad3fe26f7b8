// Where a service keeps its data, as its flags say: an embedded SQLite file
// in its data directory (one instance), or a PostgreSQL database several
// instances share (--database=postgresql://…), with the bounds on every wait
// for a database reached over the network.
#ifndef ENT_COMMON_STORAGE_STORAGE_OPTIONS_H_
#define ENT_COMMON_STORAGE_STORAGE_OPTIONS_H_

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ent::storage {

// A server that does not answer is given up on within these bounds
// (PostgreSQL: statement_timeout, lock_timeout,
// idle_in_transaction_session_timeout, libpq's connect_timeout, and
// keepalives/tcp_user_timeout for a half-open connection).
struct NetworkTimeouts {
  absl::Duration statement = absl::Seconds(30);
  absl::Duration lock = absl::Seconds(10);
  absl::Duration idle_in_transaction = absl::Seconds(60);
  absl::Duration connect = absl::Seconds(5);
  absl::Duration network = absl::Seconds(10);
};

// Whether `uri` is a PostgreSQL connection URI (postgresql:// or postgres://).
inline bool IsPostgresUri(absl::string_view uri) {
  return absl::StartsWith(uri, "postgresql://") || absl::StartsWith(uri, "postgres://");
}

struct StorageOptions {
  // A postgresql:// URI (or libpq key=value string): PostgreSQL. Empty: SQLite.
  std::string database;
  // SQLite: the directory of the service's database file.
  std::string data_dir = ".";
  NetworkTimeouts timeouts;  // PostgreSQL
};

}  // namespace ent::storage

#endif  // ENT_COMMON_STORAGE_STORAGE_OPTIONS_H_
