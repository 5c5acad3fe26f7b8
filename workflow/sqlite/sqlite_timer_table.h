// TimerTable on the host's SQLite connection (the same transaction as the
// host's own changes). The host adds TimerSchemaSql() to its migrations.
#ifndef ENT_WORKFLOW_SQLITE_SQLITE_TIMER_TABLE_H_
#define ENT_WORKFLOW_SQLITE_SQLITE_TIMER_TABLE_H_

#include "common/sqlite/connection.h"
#include "workflow/timers/timer_table.h"

namespace ent::workflow {

// CREATE statements for the timers table and its index on due time.
const char* TimerSchemaSql();
// Migration adding the from_day column to a table made by TimerSchemaSql().
const char* TimerFromDayMigrationSql();
// Migration adding failure isolation: attempts, last error, next attempt.
const char* TimerAttemptsMigrationSql();
// Migration making the indexes cover pending timers only (and failed, and
// fired or cancelled ones for retention apart): firing a timer removes it
// from them rather than move it within each.
const char* TimerPartialIndexesMigrationSql();

class SqliteTimerTable final : public TimerTable {
 public:
  explicit SqliteTimerTable(sqlite::Connection& conn) : conn_(conn) {}
  absl::Status Schedule(const TimerSpec& spec) override;
  absl::Status Cancel(const std::string& subject, const std::string& kind) override;
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
  sqlite::Connection& conn_;
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_SQLITE_SQLITE_TIMER_TABLE_H_
