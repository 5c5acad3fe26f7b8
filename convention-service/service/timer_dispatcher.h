// What convention-service's durable timers do when they fire: conventions
// expire, renewal reminders, conciliations lapse, terminations take effect.
// FireDue is the TimerEngine's FireDue: one transaction takes the due timers,
// applies each one's effect (recorded at the timer's due instant, by the
// "workflow" actor) and marks it fired, so a timer fires exactly once.
// Each timer runs isolated (ConventionWriter::Isolated): one whose effect
// fails (an unknown kind, a record that does not decode, a state the effect
// does not expect) is undone alone, its attempt and error recorded, and it is
// tried again after a backoff (1 s, doubling, at most 10 min), then parked as
// failed after `kMaxTimerAttempts` attempts for an operator to see and retry
// (RetryTimer); the other timers of the batch fire. Thread-safe.
#ifndef ENT_CONVENTION_SERVICE_TIMER_DISPATCHER_H_
#define ENT_CONVENTION_SERVICE_TIMER_DISPATCHER_H_

#include "absl/status/statusor.h"
#include "common/log_sink.h"
#include "convention-service/service/command_runner.h"
#include "workflow/timers/timer_engine.h"

namespace ent::convention {

inline constexpr char kWorkflowActor[] = "workflow";
inline constexpr int kMaxTimerAttempts = 10;

// The wait before attempt `attempts` + 1 of a timer that failed `attempts` times.
absl::Duration TimerBackoff(int attempts);

class TimerDispatcher {
 public:
  explicit TimerDispatcher(CommandRunner& runner) : runner_(runner) {}

  // Blocks until the transaction is durable. Never call from a store thread.
  absl::StatusOr<workflow::TimerEngine::FireResult> FireDue(absl::Time now, int limit);

  // Operators (rectorat services, support staff): timers parked as failed,
  // with id > `after_id`, oldest first.
  absl::StatusOr<std::vector<workflow::TimerRecord>> ListFailed(const Principal& caller,
                                                                int64_t after_id, int limit);
  // Operators: the parked timer `id` is tried again now (the engine is woken).
  // A timer already pending again is answered as it is; a fired or cancelled
  // one is FAILED_PRECONDITION.
  void Retry(const Principal& caller, const std::string& request_id, int64_t id,
             std::function<void(absl::StatusOr<workflow::TimerRecord>)> done);

 private:
  // The effect of one timer, as a mutation (empty when it no longer applies).
  absl::StatusOr<Mutation> Effect(ConventionWriter& w, const workflow::TimerRecord& timer);

  void LogFailure(const workflow::TimerRecord& timer, const absl::Status& error, bool parked,
                  absl::Time retry_at);

  CommandRunner& runner_;
  LogRateLimiter failure_log_{10, absl::Minutes(1)};
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_TIMER_DISPATCHER_H_
