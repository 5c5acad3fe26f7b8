// Health that means something: a thread probes each subsystem every
// --health-interval-seconds and sets its gRPC health status (the standard
// grpc.health.v1 service): NOT_SERVING while its probe fails, SERVING again
// once it passes; the overall status ("") is SERVING only while every probe
// passes. Transitions are logged (level=error event=health_not_serving, then
// level=info event=health_serving). Thread-safe.
#ifndef ENT_COMMON_GRPC_HEALTH_MONITOR_H_
#define ENT_COMMON_GRPC_HEALTH_MONITOR_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/health_check_service_interface.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ent {

struct HealthCheck {
  std::string name;                    // e.g. "ent.convention.v1.ConventionService", "ent.workflow"
  // OK when healthy. It must answer within a bounded time (BoundedProbe): a
  // probe that hangs leaves every status as it was and delays shutdown.
  std::function<absl::Status()> probe;
};

// A probe for a check that answers asynchronously: `start` begins one and
// calls its argument once with the outcome, from any thread. The probe waits
// at most `timeout` for it (UNAVAILABLE past it: "no answer within ..."), and
// while a check started earlier has not answered, starts no other and
// reports UNAVAILABLE. Call from one thread (the monitor's).
using StartCheck = std::function<void(std::function<void(absl::Status)> done)>;
std::function<absl::Status()> BoundedProbe(StartCheck start, absl::Duration timeout);

class HealthMonitor {
 public:
  HealthMonitor(std::vector<HealthCheck> checks, absl::Duration interval);
  ~HealthMonitor();  // Stops probing.

  // Probes now and then every interval, until Stop.
  void Start(grpc::HealthCheckServiceInterface* health);
  // Stops probing (before the server says NOT_SERVING for a shutdown).
  void Stop();

 private:
  void Loop();
  void ProbeAll();

  const std::vector<HealthCheck> checks_;
  const absl::Duration interval_;
  grpc::HealthCheckServiceInterface* health_ = nullptr;  // set by Start, then read by the thread
  std::vector<bool> healthy_;                            // the thread's only
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ent

#endif  // ENT_COMMON_GRPC_HEALTH_MONITOR_H_
