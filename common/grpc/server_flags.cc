#include "common/grpc/server_flags.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ent {
namespace {

// INVALID_ARGUMENT for --`flag` unless `value` is in [low, high].
absl::Status InRange(const char* flag, int64_t value, int64_t low, int64_t high, const char* unit) {
  if (value >= low && value <= high) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": expected ", low, " to ", high, unit, ", got ", value));
}

absl::Status DurationInRange(const char* flag, absl::Duration d) {
  if (d >= absl::Milliseconds(100) && d <= absl::Hours(1)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, ": expected a duration from 100ms to 1h, e.g. 30s or 500ms; got ", absl::FormatDuration(d)));
}

}  // namespace

bool IsLoopbackListen(absl::string_view listen) {
  absl::string_view host = listen.substr(0, listen.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" || host == "[::1]" ||
         absl::StartsWith(listen, "unix:");
}

absl::Status CheckServerFlags(ServerFlags& flags) {
  if (flags.listen.find(':') == std::string::npos) {
    return absl::InvalidArgumentError("--listen: expected HOST:PORT, e.g. 127.0.0.1:0");
  }
  if (flags.data_dir.empty()) return absl::InvalidArgumentError("--data-dir: must not be empty");
  if (!flags.database.empty() && !storage::IsPostgresUri(flags.database)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--database: expected a postgresql:// connection URI, got '", flags.database, "'"));
  }
  const absl::Status checks[] = {
      InRange("drain-seconds", flags.drain_seconds, 0, 3600, " seconds"),
      InRange("max-message-bytes", flags.max_message_bytes, 1024, 64 << 20, " bytes"),
      InRange("retention-days", flags.retention_days, 1, 3650, " days"),
      InRange("prune-interval-seconds", flags.prune_interval_seconds, 1, 7 * 86400, " seconds"),
      InRange("health-interval-seconds", flags.health_interval_seconds, 1, 3600, " seconds"),
      InRange("backup-keep", flags.backup_keep, 1, 1000, " backups"),
      DurationInRange("db-statement-timeout", flags.database_timeouts.statement),
      DurationInRange("db-lock-timeout", flags.database_timeouts.lock),
      DurationInRange("db-idle-in-transaction-timeout", flags.database_timeouts.idle_in_transaction),
      DurationInRange("db-connect-timeout", flags.database_timeouts.connect),
      DurationInRange("db-network-timeout", flags.database_timeouts.network),
  };
  for (const absl::Status& status : checks) {
    if (!status.ok()) return status;
  }
  if (flags.backup_dir.empty()) flags.backup_dir = flags.data_dir + "/backups";
  if (flags.principals.empty()) {
    return absl::InvalidArgumentError(
        "--principals=PATH is required: the file listing who may call the service "
        "(see deploy/config/principals.textproto.example)");
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (flags.tls_cert.empty() && (!flags.tls_client_ca.empty() || flags.tls_require_client_cert)) {
    return absl::InvalidArgumentError("--tls-client-ca and --tls-require-client-cert need --tls-cert");
  }
  if (flags.tls_require_client_cert && flags.tls_client_ca.empty()) {
    return absl::InvalidArgumentError("--tls-require-client-cert needs --tls-client-ca");
  }
  if (flags.tls_cert.empty() && !flags.allow_plaintext && !IsLoopbackListen(flags.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen=", flags.listen,
        ": refusing plaintext on an address other machines reach (tokens would travel in clear): "
        "give --tls-cert and --tls-key, or --allow-plaintext when TLS ends in front of the service"));
  }
  return absl::OkStatus();
}

}  // namespace ent
