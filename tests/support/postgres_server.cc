#include "tests/support/postgres_server.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/postgres/connection.h"

namespace ent::testing {
namespace {

// A port nobody listens on now.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

absl::Status PostgresServer::Run(const std::string& command) const {
  // As root, PostgreSQL's tools run as the `postgres` user.
  const std::string as = geteuid() == 0 ? "runuser -u postgres -- " : "";
  const std::string full =
      absl::StrCat("cd ", dir_, " && ", as, command, " >> ", dir_, "/tools.log 2>&1");
  if (std::system(full.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("`", command, "` failed:\n", ReadFile(dir_ + "/tools.log"),
                                               ReadFile(dir_ + "/server.log")));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  const char* bindir = std::getenv("ENT_PG_BINDIR");
  s->bin_ = bindir != nullptr ? bindir : "/usr/lib/postgresql/15/bin";
  if (!std::filesystem::exists(s->bin_ + "/initdb")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no PostgreSQL at ", s->bin_, " (deploy/install-deps.sh installs postgresql-15; "
        "ENT_PG_BINDIR names another directory)"));
  }
  if (auto st = s->MakeDirectory(); !st.ok()) return st;
  if (auto st = s->Run(absl::StrCat(s->bin_, "/initdb -D ", s->dir_,
                                    "/data -U postgres -A trust -E UTF8 --no-locale --no-sync"));
      !st.ok()) {
    return st;
  }
  s->port_ = FreePort();
  if (auto st = s->StartAgain(); !st.ok()) return st;
  return s;
}

absl::Status PostgresServer::MakeDirectory() {
  char tmpl[] = "/tmp/ent-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  dir_ = tmpl;
  if (geteuid() == 0) {
    const passwd* pg = getpwnam("postgres");
    if (pg == nullptr) return absl::FailedPreconditionError("running as root, but no `postgres` user");
    if (chown(dir_.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
      return absl::InternalError("cannot give the cluster's directory to postgres");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::StartSynchronousStandby() {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->bin_ = bin_;
  if (auto st = s->MakeDirectory(); !st.ok()) return st;
  // -R: the standby's primary_conninfo and standby.signal; -X stream: the WAL
  // of the copy itself.
  if (auto st = s->Run(absl::StrCat(bin_, "/pg_basebackup -h 127.0.0.1 -p ", port_, " -U postgres -D ",
                                    s->dir_, "/data -R -X stream -c fast"));
      !st.ok()) {
    return st;
  }
  s->port_ = FreePort();
  if (auto st = s->StartAgain(); !st.ok()) return st;
  auto conn = postgres::Connection::Open(Uri("postgres"));
  if (!conn.ok()) return conn.status();
  if (auto st = (*conn)->Exec("ALTER SYSTEM SET synchronous_standby_names = '*'"); !st.ok()) return st;
  if (auto st = (*conn)->Exec("SELECT pg_reload_conf()"); !st.ok()) return st;
  // Until the standby streams, synchronous commits would wait: wait for it.
  for (int i = 0; i < 600; ++i) {
    auto r = (*conn)->Query("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'");
    if (r.ok() && r->Int(0, 0) > 0) return s;
    usleep(100 * 1000);
  }
  return absl::DeadlineExceededError("the standby did not become synchronous within a minute");
}

absl::Status PostgresServer::Promote() {
  return Run(absl::StrCat(bin_, "/pg_ctl -D ", dir_, "/data -w -t 60 promote"));
}

absl::Status PostgresServer::StartAgain() {
  auto st = Run(absl::StrCat(bin_, "/pg_ctl -D ", dir_, "/data -l ", dir_, "/server.log -w -t 60 -o \"",
                             "-p ", port_, " -k ", dir_, " -c listen_addresses=127.0.0.1",
                             " -c max_connections=300 -c shared_buffers=64MB\" start"));
  if (st.ok()) running_ = true;
  return st;
}

absl::Status PostgresServer::Stop(const std::string& mode) {
  auto st = Run(absl::StrCat(bin_, "/pg_ctl -D ", dir_, "/data -w -t 60 -m ", mode, " stop"));
  if (st.ok()) running_ = false;
  return st;
}

PostgresServer::~PostgresServer() {
  if (running_) Stop("immediate").IgnoreError();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::Uri(const std::string& database) const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/", database);
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase() {
  auto conn = postgres::Connection::Open(Uri("postgres"));
  if (!conn.ok()) return conn.status();
  const std::string name = absl::StrCat("test_", getpid(), "_", ++databases_);
  if (auto st = (*conn)->Exec(absl::StrCat("CREATE DATABASE ", name)); !st.ok()) return st;
  return Uri(name);
}

absl::StatusOr<PostgresServer*> SharedPostgres() {
  static absl::Mutex mu(absl::kConstInit);
  static PostgresServer* server = nullptr;
  static absl::Status* failed = nullptr;
  absl::MutexLock lock(&mu);
  if (server == nullptr && failed == nullptr) {
    auto started = PostgresServer::Start();
    if (started.ok()) {
      server = started->release();
      // Stopped when the process exits.
      std::atexit([] { delete server; });
    } else {
      failed = new absl::Status(started.status());
    }
  }
  if (failed != nullptr) return *failed;
  return server;
}

bool AwaitLockWaiters(PostgresServer& server, int waiters, const std::function<bool()>& stop) {
  auto conn = postgres::Connection::Open(server.Uri("postgres"));
  if (!conn.ok()) return false;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    auto r = (*conn)->Query("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted");
    if (r.ok() && r->Int(0, 0) >= waiters) return true;
    if (stop()) return false;
    absl::SleepFor(absl::Milliseconds(2));  // polls the server's lock table, as isolationtester does
  }
  return false;
}

}  // namespace ent::testing
