// What a service does with its database besides reading and writing through
// its store, whatever the backend: the health probe's durable write, the
// storage metrics, online backups, and ending every wait when it stops.
// A service's storage factory (convention-service/store/convention_storage.h,
// billing-service/store/billing_storage.h) returns one beside the store, so
// that main.cc never names a backend. Implementations:
// common/sqlite/sqlite_database_handle.h, common/postgres/postgres_database_handle.h.
#ifndef ENT_COMMON_STORAGE_DATABASE_HANDLE_H_
#define ENT_COMMON_STORAGE_DATABASE_HANDLE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent::storage {

// An online backup written to a file.
struct BackupFile {
  std::string path;
  int64_t size_bytes = 0;
  int32_t schema_version = 0;
  std::string integrity;  // the copy's integrity check, "ok" when sound
};

// Thread-safe; outlives nothing of the store it was opened with (both are
// returned together and destroyed together).
class DatabaseHandle {
 public:
  virtual ~DatabaseHandle() = default;

  // "sqlite" or "postgresql", for logs.
  virtual std::string backend() const = 0;
  // Whether several instances may share this database: a timer or a notice
  // another instance left is then found by looking, not only by being told.
  virtual bool shared_by_instances() const = 0;

  // Rewrites the one row of `health_probe` in a write transaction; `done`
  // gets the outcome once durable (or UNAVAILABLE past `deadline`, where the
  // backend can wait on a network).
  virtual void ProbeWrite(std::function<void(absl::Status)> done, absl::Time deadline) = 0;

  // Registers this database's storage metrics (commits, queue depth, sizes),
  // labelled database=`name`, in the process's Metrics. Once per process.
  virtual void ObserveMetrics(const std::string& name) = 0;

  // Writes an online copy to `path` (its directory created if needed) from
  // one read snapshot, on a store thread, while the service goes on
  // writing; `done` runs there.
  // FAILED_PRECONDITION, saying which tools to use, where the backend is
  // backed up by its own tools (PostgreSQL).
  virtual void Backup(const std::string& path, std::function<void(absl::StatusOr<BackupFile>)> done) = 0;

  // Makes every wait on the database end now (after the drain, when calls
  // still wait on an unreachable server). Nothing after it succeeds.
  virtual void Close() = 0;
};

}  // namespace ent::storage

#endif  // ENT_COMMON_STORAGE_DATABASE_HANDLE_H_
