// Command-line flags shared by both services:
//   --listen=HOST:PORT   address to serve on (port 0 picks a free port)
//   --data-dir=DIR       directory of the service's SQLite database
//   --database=URI       a postgresql:// URI: PostgreSQL (several instances) instead of SQLite
//   --port-file=PATH     where the bound port is written once serving
//   --drain-seconds=N    how long in-flight calls may finish on shutdown
//   --principals=PATH    principals file (required; reloaded on SIGHUP)
//   --tls-cert=PATH --tls-key=PATH   serve TLS with this certificate chain and key
//   --tls-client-ca=PATH             CA bundle that verifies client certificates
//   --tls-require-client-cert        mutual TLS: refuse clients without a valid certificate
//   --allow-plaintext                serve without TLS on a non-loopback address (TLS ends
//                                    in a proxy in front); refused otherwise
//   --max-message-bytes=N            largest request accepted (default 1 MiB)
//   --retention-days=N               stored answers of requests (and, in
//                                    convention-service, fired timers and delivered
//                                    notices) are pruned after N days (default 30)
//   --prune-interval-seconds=N       how often retention runs (default 3600)
//   --db-statement-timeout=D, --db-lock-timeout=D, --db-idle-in-transaction-timeout=D,
//   --db-connect-timeout=D, --db-network-timeout=D
//                                    PostgreSQL (--database): the bounds on every wait
//                                    (postgres::Timeouts; defaults 30s, 10s, 60s, 5s, 10s)
// plus service-specific flags, returned in `extra`.
#ifndef ENT_COMMON_GRPC_SERVER_FLAGS_H_
#define ENT_COMMON_GRPC_SERVER_FLAGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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
  // Service-specific --name=value flags, by name (without the dashes).
  std::map<std::string, std::string> extra;

  // Where the service keeps its data (its storage factory opens it).
  storage::StorageOptions storage() const { return {database, data_dir, database_timeouts}; }
};

// Whether `listen` (HOST:PORT, or unix:PATH) is reachable from this machine
// only: 127.0.0.0/8, localhost, [::1], a Unix socket.
bool IsLoopbackListen(absl::string_view listen);

// Parses `--name=value` arguments. Names listed in `extra_names` go to
// `extra`; any other unknown flag is an error naming it.
absl::StatusOr<ServerFlags> ParseServerFlags(int argc, char** argv,
                                             const std::vector<std::string>& extra_names);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_SERVER_FLAGS_H_
