// A throw-away Patroni cluster for failover tests: one etcd and `nodes`
// Patroni nodes, each running PostgreSQL 15 on 127.0.0.1, configured from
// deploy/patroni/patroni.yml.in (rendered by deploy/patroni/render.sh, trust
// authentication on loopback, short ttl), in a temporary directory, as the
// `postgres` user when this process is root. Start() returns once a leader
// and a synchronous standby run. The destructor stops everything.
#ifndef ENT_TESTS_SUPPORT_PATRONI_CLUSTER_H_
#define ENT_TESTS_SUPPORT_PATRONI_CLUSTER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent::testing {

class PatroniCluster {
 public:
  // `ttl`: how long the leader key lives without a refresh (Patroni's
  // minimum with loop_wait 2 and retry_timeout 4 is 10 s).
  static absl::StatusOr<std::unique_ptr<PatroniCluster>> Start(int nodes = 2, int ttl_seconds = 10);
  ~PatroniCluster();

  // postgresql://postgres@<every node>/<database>?target_session_attrs=read-write
  std::string Uri(const std::string& database) const;
  // A database created on the leader.
  absl::StatusOr<std::string> CreateDatabase(const std::string& name);
  // The node that is the leader now ("" if none), from the Patroni REST API.
  std::string Leader() const;
  // Whether some node other than the leader is a synchronous standby.
  bool HasSyncStandby() const;
  // Waits (at most `timeout`) until a node other than `old` leads; its name.
  absl::StatusOr<std::string> WaitForNewLeader(const std::string& old, absl::Duration timeout);
  // A crash of node `name`: its Patroni and its PostgreSQL SIGKILLed.
  absl::Status Kill(const std::string& name);

 private:
  struct Node {
    std::string name;
    int pg_port = 0, rest_port = 0;
    pid_t patroni = -1;
    std::string data_dir;
  };
  PatroniCluster() = default;
  // Starts `argv` in a process group of its own (as postgres when root),
  // output appended to `log`.
  pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) const;
  absl::StatusOr<std::string> Cluster(const Node& via) const;  // GET /cluster

  std::string dir_;
  pid_t etcd_ = -1;
  int etcd_port_ = 0;
  std::vector<Node> nodes_;
};

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_PATRONI_CLUSTER_H_
