#include "common/grpc/server_flags.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ent {
namespace {

// The --db-*-timeout flag `name`'s field of `t`, or null.
absl::Duration* DatabaseTimeout(storage::NetworkTimeouts& t, const std::string& name) {
  if (name == "db-statement-timeout") return &t.statement;
  if (name == "db-lock-timeout") return &t.lock;
  if (name == "db-idle-in-transaction-timeout") return &t.idle_in_transaction;
  if (name == "db-connect-timeout") return &t.connect;
  if (name == "db-network-timeout") return &t.network;
  return nullptr;
}

}  // namespace

bool IsLoopbackListen(absl::string_view listen) {
  absl::string_view host = listen.substr(0, listen.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" || host == "[::1]" ||
         absl::StartsWith(listen, "unix:");
}

absl::StatusOr<ServerFlags> ParseServerFlags(int argc, char** argv,
                                             const std::vector<std::string>& extra_names) {
  ServerFlags flags;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--tls-require-client-cert") {
      flags.tls_require_client_cert = true;
      continue;
    }
    if (arg == "--allow-plaintext") {
      flags.allow_plaintext = true;
      continue;
    }
    const size_t eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("argument '", arg, "': expected --name=value"));
    }
    const std::string name(arg.substr(2, eq - 2));
    const std::string value(arg.substr(eq + 1));
    if (name == "listen") {
      if (value.find(':') == std::string::npos) {
        return absl::InvalidArgumentError("--listen: expected HOST:PORT, e.g. 127.0.0.1:0");
      }
      flags.listen = value;
    } else if (name == "data-dir") {
      if (value.empty()) return absl::InvalidArgumentError("--data-dir: must not be empty");
      flags.data_dir = value;
    } else if (name == "database") {
      if (!storage::IsPostgresUri(value)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--database: expected a postgresql:// connection URI, got '", value, "'"));
      }
      flags.database = value;
    } else if (name == "port-file") {
      flags.port_file = value;
    } else if (name == "drain-seconds") {
      if (!absl::SimpleAtoi(value, &flags.drain_seconds) || flags.drain_seconds < 0) {
        return absl::InvalidArgumentError("--drain-seconds: expected a non-negative integer");
      }
    } else if (name == "principals") {
      flags.principals = value;
    } else if (name == "tls-cert") {
      flags.tls_cert = value;
    } else if (name == "tls-key") {
      flags.tls_key = value;
    } else if (name == "tls-client-ca") {
      flags.tls_client_ca = value;
    } else if (name == "max-message-bytes") {
      if (!absl::SimpleAtoi(value, &flags.max_message_bytes) || flags.max_message_bytes < 1024 ||
          flags.max_message_bytes > (64 << 20)) {
        return absl::InvalidArgumentError("--max-message-bytes: expected 1024 to 67108864");
      }
    } else if (name == "retention-days") {
      if (!absl::SimpleAtoi(value, &flags.retention_days) || flags.retention_days < 1 ||
          flags.retention_days > 3650) {
        return absl::InvalidArgumentError("--retention-days: expected 1 to 3650 days");
      }
    } else if (name == "prune-interval-seconds") {
      if (!absl::SimpleAtoi(value, &flags.prune_interval_seconds) ||
          flags.prune_interval_seconds < 1 || flags.prune_interval_seconds > 7 * 86400) {
        return absl::InvalidArgumentError("--prune-interval-seconds: expected 1 to 604800");
      }
    } else if (name == "health-interval-seconds") {
      if (!absl::SimpleAtoi(value, &flags.health_interval_seconds) ||
          flags.health_interval_seconds < 1 || flags.health_interval_seconds > 3600) {
        return absl::InvalidArgumentError("--health-interval-seconds: expected 1 to 3600");
      }
    } else if (name == "metrics-listen") {
      flags.metrics_listen = value;
    } else if (name == "backup-dir") {
      flags.backup_dir = value;
    } else if (name == "backup-keep") {
      if (!absl::SimpleAtoi(value, &flags.backup_keep) || flags.backup_keep < 1 ||
          flags.backup_keep > 1000) {
        return absl::InvalidArgumentError("--backup-keep: expected 1 to 1000 backups");
      }
    } else if (absl::Duration* bound = DatabaseTimeout(flags.database_timeouts, name)) {
      absl::Duration d;
      if (!absl::ParseDuration(value, &d) || d < absl::Milliseconds(100) || d > absl::Hours(1)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", name, ": expected a duration from 100ms to 1h, e.g. 30s or 500ms; got '", value, "'"));
      }
      *bound = d;
    } else if (std::find(extra_names.begin(), extra_names.end(), name) != extra_names.end()) {
      flags.extra[name] = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
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
  return flags;
}

}  // namespace ent
