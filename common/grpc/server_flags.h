// What both services are told on their command line (the flags themselves
// are Abseil flags, defined in server_command_line.cc with their help texts:
// `ent-convention-service --help` lists them), checked together.
#ifndef ENT_COMMON_GRPC_SERVER_FLAGS_H_
#define ENT_COMMON_GRPC_SERVER_FLAGS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/storage/storage_options.h"

namespace ent {

struct ServerFlags {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = ".";
  std::string port_file;
  int drain_seconds = 10;
  std::string principals;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  bool tls_require_client_cert = false;
  bool allow_plaintext = false;
  int max_message_bytes = 1 << 20;
  int retention_days = 30;
  int prune_interval_seconds = 3600;
  int health_interval_seconds = 5;  // how often the health probes run
  std::string metrics_listen;  // HOST:PORT of /metrics; empty: no metrics served
  std::string backup_dir;  // default: <data-dir>/backups
  int backup_keep = 7;     // backups kept by CreateBackup
  std::string database;  // --database: a postgresql:// URI; empty: SQLite in data_dir
  storage::NetworkTimeouts database_timeouts;  // on PostgreSQL
  std::string clock;     // --clock: "real" (default) or simulated:<RFC 3339 instant>
  std::string communes;  // --communes: the INSEE list (CSV); empty: the installed one

  // Where the service keeps its data (its storage factory opens it).
  storage::StorageOptions storage() const { return {database, data_dir, database_timeouts}; }
};

// Whether `listen` (HOST:PORT, or unix:PATH) is reachable from this machine
// only: 127.0.0.0/8, localhost, [::1], a Unix socket.
bool IsLoopbackListen(absl::string_view listen);

// Checks `flags` (each value in its range, the TLS flags that go together,
// no plaintext on an address other machines reach unless allowed) and fills
// what defaults to another flag (backup_dir); INVALID_ARGUMENT naming the
// flag otherwise.
absl::Status CheckServerFlags(ServerFlags& flags);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_SERVER_FLAGS_H_
