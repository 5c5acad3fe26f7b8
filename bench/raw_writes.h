// The write ceiling of convention_bench: raw SQLite transactions writing the
// rows one CreateConvention writes (its convention row, its history event,
// its stored answer, with every index and trigger of the service's schema),
// copied from the service's own database — into a copy of that database, so
// that they land in tables of the same size — with the same durability (WAL,
// synchronous=FULL) and test VFS (ENT_SQLITE_SYNC_DELAY_US: a slow
// disk). One create per transaction, or `batch` creates per transaction (the
// service's mean group size: what group commit at best achieves).
// Run as its own process (convention_bench --raw-writes …), like the service.
#ifndef ENT_BENCH_RAW_WRITES_H_
#define ENT_BENCH_RAW_WRITES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent::bench {

struct RawWriteResult {
  double creates_per_second = 0;
  double transactions_per_second = 0;
};

// Copies `service_db` to `raw_db` and reads one create's rows from it, then
// writes for `duration`.
absl::StatusOr<RawWriteResult> RunRawWrites(const std::string& service_db,
                                            const std::string& raw_db, int batch,
                                            absl::Duration duration);

}  // namespace ent::bench

#endif  // ENT_BENCH_RAW_WRITES_H_
