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
#include <functional>
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

  // A streaming standby of this server (pg_basebackup, then started on a
  // port of its own), made synchronous: a commit on this server returns once
  // the standby has it, so promoting the standby loses nothing acknowledged.
  absl::StatusOr<std::unique_ptr<PostgresServer>> StartSynchronousStandby();
  // A standby becomes a primary (pg_ctl promote, waiting until it is).
  absl::Status Promote();

 private:
  PostgresServer() = default;
  // A temporary directory owned by the user the server runs as.
  absl::Status MakeDirectory();
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

// Steps a concurrency test as PostgreSQL's isolation tester does: waits
// until at least `waiters` sessions of `server` wait for a lock the server
// has not granted (pg_locks), or until `stop()` says the awaited sessions
// went on without waiting (then false), or 30 s (false).
bool AwaitLockWaiters(PostgresServer& server, int waiters, const std::function<bool()>& stop);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_POSTGRES_SERVER_H_
