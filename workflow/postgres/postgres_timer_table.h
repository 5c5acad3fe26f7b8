// Durable timers in the host's PostgreSQL transaction. Several instances fire
// timers from one table: Due claims the due timers with FOR UPDATE SKIP
// LOCKED, so each instance's batch is disjoint from the others' and a timer
// is fired (MarkFired, in the same transaction as its effects) exactly once.
#ifndef ENT_WORKFLOW_POSTGRES_POSTGRES_TIMER_TABLE_H_
#define ENT_WORKFLOW_POSTGRES_POSTGRES_TIMER_TABLE_H_

#include <string>

#include "common/postgres/connection.h"
#include "workflow/timers/timer_table.h"

namespace ent::workflow {

// CREATE statements for the timers table (the state of SQLite's after its
// migrations 1-3 and 9: the host's numbered migrations include it whole).
const char* PostgresTimerSchemaSql();

// A migration: every change that makes a timer pending (scheduled, retried,
// tried again after a failure) notifies the channel TimerChannel(schema) at
// its commit, whoever wrote it (an instance, a tool, a hand-written INSERT),
// so that every instance's engine looks again (PostgresTimerWaker).
const char* PostgresTimerNotifySql();
// The channel of the schema's timer notifications.
std::string TimerChannel(const std::string& schema);

class PostgresTimerTable final : public TimerTable {
 public:
  // `writable`: in a write transaction, where Due claims what it returns (in
  // a read-only one it only reads).
  PostgresTimerTable(postgres::Connection& conn, bool writable) : conn_(conn), writable_(writable) {}
  absl::Status Schedule(const TimerSpec& spec) override;
  absl::Status Cancel(const std::string& subject, const std::string& kind) override;
  // Claims them: rows locked by this transaction, skipped by the others.
  absl::StatusOr<std::vector<TimerRecord>> Due(absl::Time now, int limit) override;
  absl::Status MarkFired(int64_t id, absl::Time fired_at) override;
  absl::Status RecordFailure(int64_t id, const std::string& error, absl::Time retry_at,
                             bool park) override;
  absl::StatusOr<TimerRecord> RetryFailed(int64_t id, absl::Time at) override;
  absl::StatusOr<std::optional<TimerRecord>> Get(int64_t id) override;
  absl::StatusOr<std::vector<TimerRecord>> Failed(int64_t after_id, int limit) override;
  absl::StatusOr<std::optional<absl::Time>> NextDue() override;
  absl::StatusOr<std::vector<TimerRecord>> Pending(
      std::pair<absl::Time, int64_t> after, int limit,
      const std::optional<std::vector<std::string>>& communes) override;

 private:
  postgres::Connection& conn_;
  const bool writable_;
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_POSTGRES_POSTGRES_TIMER_TABLE_H_
