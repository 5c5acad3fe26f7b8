// Durable timers, as seen from inside a host transaction: scheduling,
// cancelling, and taking the due ones. Firing a timer (its effects plus
// MarkFired) happens in the same transaction, so each timer fires exactly once
// even if the process dies at any point.
#ifndef ENT_WORKFLOW_TIMERS_TIMER_TABLE_H_
#define ENT_WORKFLOW_TIMERS_TIMER_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/civil_date.h"

namespace ent::workflow {

struct TimerSpec {
  std::string kind;     // what firing does, e.g. "dispute.conciliation"
  std::string subject;  // the resource it acts on, e.g. "conventions/x/disputes/1"
  std::string commune;  // INSEE code, for filtering
  absl::Time due;
  // How the due instant was computed, for people (ListDeadlines).
  CivilDate last_day;
  std::string rule;
  std::string explanation;
  std::optional<CivilDate> from_day;  // the date the delay runs from, when known
};

enum class TimerState { kPending = 0, kFired = 1, kCancelled = 2, kFailed = 3 };

struct TimerRecord {
  int64_t id = 0;
  TimerSpec spec;
  TimerState state = TimerState::kPending;
  int attempts = 0;        // failed attempts to fire it so far
  std::string last_error;  // of the last failed attempt
  absl::Time next_attempt;  // when a pending timer is next tried (its due time at first)
};

class TimerTable {
 public:
  virtual ~TimerTable() = default;
  // Adds a pending timer. Its id is the store's (Due, Pending and Get return
  // it): not returned here, so that a backend over the network can send the
  // insert with the transaction's next statement.
  virtual absl::Status Schedule(const TimerSpec& spec) = 0;
  // Cancels the pending timers of `subject` (of `kind` only, when not empty).
  virtual absl::Status Cancel(const std::string& subject, const std::string& kind) = 0;
  // Pending timers whose next attempt is at or before `now`, by next attempt
  // then id, at most `limit`.
  virtual absl::StatusOr<std::vector<TimerRecord>> Due(absl::Time now, int limit) = 0;
  // FAILED_PRECONDITION unless the timer is pending.
  virtual absl::Status MarkFired(int64_t id, absl::Time fired_at) = 0;
  // A failed attempt: counts it and keeps `error`; the timer is tried again at
  // `retry_at`, or, with `park`, is parked as failed until RetryFailed.
  virtual absl::Status RecordFailure(int64_t id, const std::string& error, absl::Time retry_at,
                                     bool park) = 0;
  // A parked timer back to pending, tried at `at` with a fresh count of
  // attempts; FAILED_PRECONDITION unless it is parked (NOT_FOUND if unknown).
  virtual absl::StatusOr<TimerRecord> RetryFailed(int64_t id, absl::Time at) = 0;
  // The timer `id`, whatever its state.
  virtual absl::StatusOr<std::optional<TimerRecord>> Get(int64_t id) = 0;
  // Parked timers with id > `after_id`, by id, at most `limit`.
  virtual absl::StatusOr<std::vector<TimerRecord>> Failed(int64_t after_id, int limit) = 0;
  // The earliest next attempt of a pending timer.
  virtual absl::StatusOr<std::optional<absl::Time>> NextDue() = 0;
  // Pending timers by due time, after (due, id) = `after`, at most `limit`;
  // only those of `communes` (INSEE codes) when given.
  virtual absl::StatusOr<std::vector<TimerRecord>> Pending(
      std::pair<absl::Time, int64_t> after, int limit,
      const std::optional<std::vector<std::string>>& communes) = 0;
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_TIMERS_TIMER_TABLE_H_
