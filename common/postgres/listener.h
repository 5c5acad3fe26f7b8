// Hears PostgreSQL notifications (LISTEN/NOTIFY) on one channel, from a
// thread with a connection of its own, and calls `heard` for each batch of
// them - and once after each (re)connection, since what was sent while it was
// not listening is lost. A lost connection is re-established with backoff
// (0.1 s doubling to 5 s); connection settings (keepalives, timeouts) are the
// database's, so a half-open connection is found out too. `heard` runs on the
// listener's thread and must not block. Thread-safe.
#ifndef ENT_COMMON_POSTGRES_LISTENER_H_
#define ENT_COMMON_POSTGRES_LISTENER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/postgres/database.h"

namespace ent::postgres {

class Listener {
 public:
  // `channel`: the notification channel (any text; quoted here).
  Listener(const Database& db, std::string channel, std::function<void()> heard);
  ~Listener();  // Stop()

  void Start();
  void Stop();

  // Whether the thread is connected and listening now.
  bool listening() const { return listening_.load(); }
  // Notifications heard so far.
  int64_t heard() const { return heard_.load(); }

 private:
  void Loop();

  const Database& db_;
  const std::string channel_;
  const std::function<void()> on_heard_;
  std::atomic<bool> listening_{false};
  std::atomic<int64_t> heard_{0};
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ent::postgres

#endif  // ENT_COMMON_POSTGRES_LISTENER_H_
