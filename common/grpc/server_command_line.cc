#include "common/grpc/server_command_line.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/command_line.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "HOST:PORT to serve gRPC on (port 0 picks a free port)");
ABSL_FLAG(std::string, data_dir, ".", "directory of the service's SQLite database");
ABSL_FLAG(std::string, database, "",
          "a postgresql:// URI: keep the data in PostgreSQL (several instances) instead of SQLite");
ABSL_FLAG(std::string, port_file, "", "where the bound port is written once serving");
ABSL_FLAG(int, drain_seconds, 10, "how long calls in flight may finish on SIGTERM");
ABSL_FLAG(std::string, principals, "", "the principals file (required; reloaded on SIGHUP)");
ABSL_FLAG(std::string, tls_cert, "", "serve TLS with this certificate chain (PEM)");
ABSL_FLAG(std::string, tls_key, "", "the private key of --tls-cert (PEM)");
ABSL_FLAG(std::string, tls_client_ca, "", "CA bundle that verifies client certificates");
ABSL_FLAG(bool, tls_require_client_cert, false, "mutual TLS: refuse clients without a valid certificate");
ABSL_FLAG(bool, allow_plaintext, false,
          "serve without TLS on an address other machines reach (TLS ends in a proxy in front)");
ABSL_FLAG(int, max_message_bytes, 1 << 20, "largest request accepted");
ABSL_FLAG(int, retention_days, 30,
          "stored answers of requests (and fired timers, delivered notices) are pruned after this many days");
ABSL_FLAG(int, prune_interval_seconds, 3600, "how often retention runs");
ABSL_FLAG(int, health_interval_seconds, 5, "how often the health probes run");
ABSL_FLAG(std::string, metrics_listen, "", "HOST:PORT serving /metrics (none when empty)");
ABSL_FLAG(std::string, backup_dir, "", "where CreateBackup writes (default <data-dir>/backups)");
ABSL_FLAG(int, backup_keep, 7, "backups kept by CreateBackup");
ABSL_FLAG(absl::Duration, db_statement_timeout, absl::Seconds(30), "PostgreSQL: longest statement");
ABSL_FLAG(absl::Duration, db_lock_timeout, absl::Seconds(10), "PostgreSQL: longest wait for a lock");
ABSL_FLAG(absl::Duration, db_idle_in_transaction_timeout, absl::Seconds(60),
          "PostgreSQL: longest a transaction may stay idle");
ABSL_FLAG(absl::Duration, db_connect_timeout, absl::Seconds(5), "PostgreSQL: longest connection attempt");
ABSL_FLAG(absl::Duration, db_network_timeout, absl::Seconds(10),
          "PostgreSQL: a server that stops answering is given up on after about this long");
ABSL_FLAG(std::string, clock, "real", "real, or simulated:<RFC 3339 instant> (demos and tests)");
ABSL_FLAG(std::string, communes, "", "the INSEE commune list (CSV; the installed one when empty)");

namespace ent {

absl::StatusOr<ServerFlags> ParseServerCommandLine(int argc, char** argv, const char* usage) {
  const std::vector<std::string> positional = ParseCommandLine(argc, argv, usage);
  if (!positional.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument(s) '", absl::StrJoin(positional, " "),
                                                   "': every option is a --name=value flag"));
  }
  ServerFlags f;
  f.listen = absl::GetFlag(FLAGS_listen);
  f.data_dir = absl::GetFlag(FLAGS_data_dir);
  f.database = absl::GetFlag(FLAGS_database);
  f.port_file = absl::GetFlag(FLAGS_port_file);
  f.drain_seconds = absl::GetFlag(FLAGS_drain_seconds);
  f.principals = absl::GetFlag(FLAGS_principals);
  f.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  f.tls_key = absl::GetFlag(FLAGS_tls_key);
  f.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  f.tls_require_client_cert = absl::GetFlag(FLAGS_tls_require_client_cert);
  f.allow_plaintext = absl::GetFlag(FLAGS_allow_plaintext);
  f.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  f.retention_days = absl::GetFlag(FLAGS_retention_days);
  f.prune_interval_seconds = absl::GetFlag(FLAGS_prune_interval_seconds);
  f.health_interval_seconds = absl::GetFlag(FLAGS_health_interval_seconds);
  f.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  f.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  f.backup_keep = absl::GetFlag(FLAGS_backup_keep);
  f.database_timeouts.statement = absl::GetFlag(FLAGS_db_statement_timeout);
  f.database_timeouts.lock = absl::GetFlag(FLAGS_db_lock_timeout);
  f.database_timeouts.idle_in_transaction = absl::GetFlag(FLAGS_db_idle_in_transaction_timeout);
  f.database_timeouts.connect = absl::GetFlag(FLAGS_db_connect_timeout);
  f.database_timeouts.network = absl::GetFlag(FLAGS_db_network_timeout);
  f.clock = absl::GetFlag(FLAGS_clock);
  f.communes = absl::GetFlag(FLAGS_communes);
  if (absl::Status st = CheckServerFlags(f); !st.ok()) return st;
  return f;
}

}  // namespace ent
