// A throw-away PostgreSQL 15 cluster for tests and benchmarks: `initdb` in a
// temporary directory, `pg_ctl start` listening on 127.0.0.1 (a free port)
// and on a socket directory inside it, trusting local connections; run as
// the unprivileged `postgres` user when this process is root (PostgreSQL
// refuses to run as root, and CI runs as root). Stopped and removed by the
// destructor. The binaries are Debian's (/usr/lib/postgresql/15/bin, or
// ENT_PG_BINDIR).
#ifndef ENT_TESTS_SUPPORT_POSTGRES_SERVER_H_
#define ENT_TESTS_SUPPORT_POSTGRES_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ent::testing {

class PostgresServer {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();

  // A fresh, empty database; returns its URI.
  absl::StatusOr<std::string> CreateDatabase();
  // The URI of `database`.
  std::string Uri(const std::string& database) const;
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // Stops the server ("fast": clients disconnected, a clean shutdown;
  // "immediate": as if it crashed) and starts it again on the same port.
  absl::Status Stop(const std::string& mode = "fast");
  absl::Status StartAgain();

 private:
  PostgresServer() = default;
  absl::Status Run(const std::string& command) const;

  std::string dir_;
  std::string bin_;
  int port_ = 0;
  bool running_ = false;
  int databases_ = 0;
};

// One server for the tests of this process, started on first use (the
// status says why it could not start).
absl::StatusOr<PostgresServer*> SharedPostgres();

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_POSTGRES_SERVER_H_
