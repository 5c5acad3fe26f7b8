// A TCP proxy on 127.0.0.1 for fault tests: forwards each connection to a
// target port. Partition() stops forwarding in both directions without
// closing or resetting any socket, as a network partition does (nothing
// answers; new connections are accepted by the kernel and left silent);
// Heal() forwards again, what was held included. A side that closes is
// closed on the other side once forwarding resumes.
#ifndef ENT_TESTS_SUPPORT_TCP_PROXY_H_
#define ENT_TESTS_SUPPORT_TCP_PROXY_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace ent::testing {

class TcpProxy {
 public:
  static absl::StatusOr<std::unique_ptr<TcpProxy>> Start(int target_port);
  ~TcpProxy();

  int port() const { return port_; }
  void Partition() { partitioned_ = true; }
  // Heals, answers held by HoldAnswersAfterCommit included.
  void Heal();
  // From now on, the first connection whose client sends `marker` and then
  // a COMMIT has that COMMIT forwarded, and everything the server sends back
  // on it held until Heal(): the transaction commits, and its client never
  // hears so (a connection lost with its COMMIT in flight).
  void HoldAnswersAfterCommit(const std::string& marker);
  // Whether a COMMIT is being held so.
  bool holding() const { return holding_.load(); }
  // Connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  TcpProxy() = default;
  void Loop();

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // to stop the loop
  int port_ = 0;
  int target_port_ = 0;
  std::atomic<bool> partitioned_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<bool> holding_{false};
  absl::Mutex mu_;
  std::string hold_marker_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_TCP_PROXY_H_
