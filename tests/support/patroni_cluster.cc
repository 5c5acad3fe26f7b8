#include "tests/support/patroni_cluster.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/postgres/connection.h"
#include "tests/support/http_get.h"
#include "tests/support/service_process.h"

namespace ent::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The node's role from a /cluster document ("" if absent).
std::string RoleOf(const std::string& cluster, const std::string& name) {
  const auto doc = nlohmann::json::parse(cluster, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("members")) return "";
  for (const auto& m : doc["members"]) {
    if (m.value("name", "") == name && m.value("state", "") == "running") return m.value("role", "");
  }
  return "";
}

}  // namespace

pid_t PatroniCluster::Spawn(const std::vector<std::string>& argv, const std::string& log) const {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (out >= 0) {
    dup2(out, 1);
    dup2(out, 2);
  }
  if (geteuid() == 0) {
    const passwd* pg = getpwnam("postgres");
    if (pg == nullptr || setgid(pg->pw_gid) != 0 || setuid(pg->pw_uid) != 0) _exit(126);
    setenv("HOME", dir_.c_str(), 1);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

absl::StatusOr<std::unique_ptr<PatroniCluster>> PatroniCluster::Start(int nodes, int ttl_seconds) {
  if (std::system("command -v patroni >/dev/null && command -v etcd >/dev/null") != 0) {
    return absl::FailedPreconditionError(
        "patroni and etcd are not installed (deploy/install-deps.sh installs patroni and etcd-server)");
  }
  std::unique_ptr<PatroniCluster> c(new PatroniCluster());
  char tmpl[] = "/tmp/ent-patroni-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  c->dir_ = tmpl;
  if (geteuid() == 0) {
    const passwd* pg = getpwnam("postgres");
    if (pg == nullptr) return absl::FailedPreconditionError("running as root, but no `postgres` user");
    if (chown(c->dir_.c_str(), pg->pw_uid, pg->pw_gid) != 0) return absl::InternalError("chown failed");
  }
  c->etcd_port_ = FreePort();
  const int peer_port = FreePort();
  c->etcd_ = c->Spawn({"etcd", "--name", "etcd1", "--data-dir", c->dir_ + "/etcd", "--listen-client-urls",
                       absl::StrCat("http://127.0.0.1:", c->etcd_port_), "--advertise-client-urls",
                       absl::StrCat("http://127.0.0.1:", c->etcd_port_), "--listen-peer-urls",
                       absl::StrCat("http://127.0.0.1:", peer_port), "--initial-advertise-peer-urls",
                       absl::StrCat("http://127.0.0.1:", peer_port), "--initial-cluster",
                       absl::StrCat("etcd1=http://127.0.0.1:", peer_port), "--initial-cluster-state", "new"},
                      c->dir_ + "/etcd.log");
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!HttpGet(c->etcd_port_, "/version").ok()) {
    if (absl::Now() > give_up) return absl::UnavailableError("etcd did not start:\n" + ReadFile(c->dir_ + "/etcd.log"));
    absl::SleepFor(absl::Milliseconds(100));
  }
  const std::string render = std::string(ENT_SOURCE_DIR) + "/deploy/patroni/render.sh";
  for (int i = 0; i < nodes; ++i) {
    Node n;
    n.name = absl::StrCat("node", i + 1);
    n.pg_port = FreePort();
    n.rest_port = FreePort();
    n.data_dir = absl::StrCat(c->dir_, "/", n.name);
    const std::string config = absl::StrCat(c->dir_, "/", n.name, ".yml");
    const std::string command = absl::StrCat(
        render, " ", n.name, " RESTAPI=127.0.0.1:", n.rest_port, " PG_LISTEN=127.0.0.1:", n.pg_port,
        " ETCD_HOSTS=127.0.0.1:", c->etcd_port_, " DATA_DIR=", n.data_dir, " SOCKET_DIR=", c->dir_,
        " CLIENTS=127.0.0.1/32 HBA_METHOD=trust REPLICATION_USER=postgres SUPERUSER_PASSWORD=test REPLICATION_PASSWORD=test TTL=", ttl_seconds,
        " LOOP_WAIT=2 RETRY_TIMEOUT=4 > ", config);
    if (std::system(command.c_str()) != 0) return absl::InternalError("render.sh failed: " + command);
    c->nodes_.push_back(n);
  }
  // The first node bootstraps (initdb); the others clone it once it leads.
  for (size_t i = 0; i < c->nodes_.size(); ++i) {
    Node& n = c->nodes_[i];
    n.patroni = c->Spawn({"patroni", absl::StrCat(c->dir_, "/", n.name, ".yml")},
                         absl::StrCat(c->dir_, "/", n.name, ".log"));
    if (i == 0) {
      while (c->Leader() != n.name) {
        if (absl::Now() > give_up + absl::Seconds(60)) {
          return absl::UnavailableError("no leader:\n" + ReadFile(absl::StrCat(c->dir_, "/", n.name, ".log")));
        }
        absl::SleepFor(absl::Milliseconds(200));
      }
    }
  }
  while (!c->HasSyncStandby()) {
    if (absl::Now() > give_up + absl::Seconds(120)) {
      return absl::UnavailableError("no synchronous standby:\n" + ReadFile(c->dir_ + "/node2.log"));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  return c;
}

absl::StatusOr<std::string> PatroniCluster::Cluster(const Node& via) const {
  return HttpGet(via.rest_port, "/cluster");
}

std::string PatroniCluster::Leader() const {
  for (const Node& via : nodes_) {
    if (via.patroni <= 0) continue;
    auto cluster = Cluster(via);
    if (!cluster.ok()) continue;
    for (const Node& n : nodes_) {
      if (RoleOf(*cluster, n.name) == "leader") return n.name;
    }
  }
  return "";
}

bool PatroniCluster::HasSyncStandby() const {
  for (const Node& via : nodes_) {
    if (via.patroni <= 0) continue;
    auto cluster = Cluster(via);
    if (!cluster.ok()) continue;
    for (const Node& n : nodes_) {
      if (RoleOf(*cluster, n.name) == "sync_standby") return true;
    }
  }
  return false;
}

absl::StatusOr<std::string> PatroniCluster::WaitForNewLeader(const std::string& old, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    const std::string leader = Leader();
    if (!leader.empty() && leader != old) return leader;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError("no new leader");
}

std::string PatroniCluster::Uri(const std::string& database) const {
  std::vector<std::string> hosts;
  for (const Node& n : nodes_) hosts.push_back(absl::StrCat("127.0.0.1:", n.pg_port));
  return absl::StrCat("postgresql://postgres@", absl::StrJoin(hosts, ","), "/", database,
                      "?target_session_attrs=read-write");
}

absl::StatusOr<std::string> PatroniCluster::CreateDatabase(const std::string& name) {
  auto conn = postgres::Connection::Open(Uri("postgres"));
  if (!conn.ok()) return conn.status();
  if (auto st = (*conn)->Exec(absl::StrCat("CREATE DATABASE ", name)); !st.ok()) return st;
  return Uri(name);
}

absl::Status PatroniCluster::Kill(const std::string& name) {
  for (Node& n : nodes_) {
    if (n.name != name) continue;
    const std::string pid_text = ReadFile(n.data_dir + "/postmaster.pid");
    const pid_t postmaster = static_cast<pid_t>(std::atol(pid_text.c_str()));
    if (n.patroni > 0) {
      kill(-n.patroni, SIGKILL);  // Patroni and what it started in its group
      kill(n.patroni, SIGKILL);
      waitpid(n.patroni, nullptr, 0);
      n.patroni = -1;
    }
    if (postmaster > 0) kill(postmaster, SIGKILL);
    return absl::OkStatus();
  }
  return absl::NotFoundError("no node " + name);
}

PatroniCluster::~PatroniCluster() {
  for (Node& n : nodes_) {
    if (n.patroni > 0) {
      kill(n.patroni, SIGTERM);  // stops its PostgreSQL
    }
  }
  for (Node& n : nodes_) {
    if (n.patroni <= 0) continue;
    for (int i = 0; i < 300 && waitpid(n.patroni, nullptr, WNOHANG) == 0; ++i) usleep(100 * 1000);
    kill(-n.patroni, SIGKILL);
    kill(n.patroni, SIGKILL);
    waitpid(n.patroni, nullptr, 0);
  }
  for (Node& n : nodes_) {
    const pid_t postmaster = static_cast<pid_t>(std::atol(ReadFile(n.data_dir + "/postmaster.pid").c_str()));
    if (postmaster > 0) kill(postmaster, SIGKILL);
  }
  if (etcd_ > 0) {
    kill(etcd_, SIGKILL);
    waitpid(etcd_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace ent::testing
