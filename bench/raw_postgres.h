// The ceilings of timer_bench and billing_bench on PostgreSQL: raw
// transactions, through the same libpq layer (common/postgres) but with no
// service around them (no gRPC, no domain, no protobuf), writing the rows the
// service writes, into the service's own schema on the same server (its
// indexes, triggers and table sizes), in transactions of the service's size,
// each row read before it is written and the writes sent with the next read
// (pipelined, as the service sends them). Run once the service has stopped.
#ifndef ENT_BENCH_RAW_POSTGRES_H_
#define ENT_BENCH_RAW_POSTGRES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent::bench {

// An expiry's writes, for every convention of convention-service's database
// at `uri` (schema convention), `batch` per transaction: the convention read
// then rewritten with a change of state (counted by its trigger), a history
// event (sequence taken from the counter row), an outbox message, its timer
// marked fired. Returns expiries per second.
absl::StatusOr<double> RawPostgresExpiries(const std::string& uri, int batch);

// A campaign's titres, for every convention known to billing-service's
// database at `uri` (schema billing), `batch` per transaction: the
// convention's titres of the year read under its lock, a number taken from
// the counter row, the titre and its line inserted (totalled by their
// trigger). In a school year of their own (2099-2100). Returns titres per
// second.
absl::StatusOr<double> RawPostgresTitres(const std::string& uri, int batch);

// The write ceiling of convention_bench: a CreateConvention's rows (its
// convention row, its history event with its sequence, its stored answer),
// copied from the service's own, written for `duration` by `connections`
// connections side by side, one create per transaction, each transaction one
// round trip. Into a schema of their own (raw_writes, dropped after) whose
// tables copy convention-service's (columns, indexes, the counting trigger),
// so that the service's tables are left as they were. The database at `uri`
// holds the service's schema `convention`. Returns creates per second.
absl::StatusOr<double> RawPostgresCreates(const std::string& uri, int connections, absl::Duration duration);

// The read ceiling of convention_bench: one convention's row read by its id
// (a prepared SELECT, one round trip, no transaction around it), `ids` in
// turn, for `duration` by `connections` connections side by side, from
// convention-service's schema at `uri`. Returns reads per second.
absl::StatusOr<double> RawPostgresReads(const std::string& uri, const std::vector<std::string>& ids,
                                        int connections, absl::Duration duration);

}  // namespace ent::bench

#endif  // ENT_BENCH_RAW_POSTGRES_H_
