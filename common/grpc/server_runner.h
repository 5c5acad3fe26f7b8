// Bootstraps a gRPC server the same way for every service: listening address
// and port file, TLS or mutual TLS, message size limit, health checking,
// server reflection, the per-call log, reload on SIGHUP, and a
// graceful shutdown on SIGTERM/SIGINT (health goes NOT_SERVING, in-flight
// calls get `drain_seconds` to finish).
#ifndef ENT_COMMON_GRPC_SERVER_RUNNER_H_
#define ENT_COMMON_GRPC_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/auth/principal_directory.h"
#include "common/grpc/health_monitor.h"
#include "common/grpc/server_flags.h"
#include "common/registry/commune_registry.h"
#include "common/storage/database_handle.h"

namespace ent {

// Blocks SIGTERM, SIGINT (and SIGHUP) in the calling thread and every thread
// it creates later. Call first thing in main(), before any thread exists.
void BlockTerminationSignals();

struct ServedService {
  grpc::Service* service;  // not owned
  std::string health_name;  // full service name reported by health checking
};

// Fails when `listen` (HOST:PORT) cannot be bound now, with the system's
// reason ("Address already in use"). Services call it before opening their
// database so a second instance on a busy port stops at once; the server
// itself refuses to share a port (no SO_REUSEPORT) should the port be taken
// in between.
absl::Status CheckCanListen(const std::string& listen);

// `name` in the data directory installed beside the running binary:
// <directory of /proc/self/exe>/../share/ent/<name> (build/share/ent in a
// build tree, /opt/ent-conventions/share/ent when installed).
std::string InstalledDataPath(const std::string& name);

// Who may call a service: the INSEE list (--communes, else the installed
// one), which maps an identity provider's SIRET claim to its commune, and the
// principals file read with it. Errors name the flag.
struct Callers {
  std::unique_ptr<CommuneRegistry> communes;
  std::unique_ptr<PrincipalDirectory> principals;
};
absl::StatusOr<Callers> LoadCallers(const ServerFlags& flags);

// What both services check before opening their database, in this order
// (having first turned Abseil's Mutex deadlock detection off outside the
// sanitizer builds):
// the listen address is free (CheckCanListen), --clock parses, --data-dir
// exists (created if need be), Europe/Paris loads (tzdata). Returns the
// service's clock; the error says which step failed. A simulated clock
// resumes from SimulatedClockPath when it was moved past --clock's instant
// before a restart (it never goes backwards).
absl::StatusOr<ServiceClock> PrepareToServe(const ServerFlags& flags);

// Serves the process's metrics on --metrics-listen when it is set (and
// writes the bound port to <--port-file>.metrics when there is one).
absl::Status ServeMetrics(const ServerFlags& flags);

// Where a service's ClockServiceHandler records its simulated clock.
std::string SimulatedClockPath(const ServerFlags& flags);

// Serves `services` until SIGTERM or SIGINT, then shuts down gracefully;
// calls `on_reload` on SIGHUP. Returns an error if the server cannot start.
// `checks`: the subsystems whose health is probed (HealthMonitor); each
// starts SERVING.
// `principals` names the caller of each call in the call log.
// `on_drained` runs once the drain time is over if calls are still under
// way (from another thread): what makes them end now (a database closed,
// so that a call waiting on an unreachable one gives up). Should the process
// still not stop, it exits 15 s later anyway (a logged backstop). After
// ServeUntilSignal returns, `on_drained` is never called.
absl::Status ServeUntilSignal(const ServerFlags& flags, const PrincipalDirectory& principals,
                              const std::vector<ServedService>& services,
                              const std::function<void()>& on_reload,
                              std::vector<HealthCheck> checks = {},
                              const std::function<void()>& on_drained = nullptr);

// The probe that the database takes a durable write now (a full or failing
// disk, a read-only file, an unreachable server): one row of `health_probe`
// rewritten, answered within `timeout` (BoundedProbe).
std::function<absl::Status()> DatabaseWritableProbe(storage::DatabaseHandle& database,
                                                    absl::Duration timeout = absl::Seconds(5));

// The SIGHUP action of a service: reload its principals, keeping the current
// ones when the file is bad, and say so in the log.
std::function<void()> ReloadPrincipalsOnSignal(PrincipalDirectory& principals);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_SERVER_RUNNER_H_
