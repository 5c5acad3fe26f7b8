// What convention-service's durable timers do when they fire: conventions
// expire, renewal reminders, conciliations lapse, terminations take effect.
// FireDue is the TimerEngine's FireDue: one transaction takes the due timers,
// applies each one's effect (recorded at the timer's due instant, by the
// "workflow" actor) and marks it fired, so a timer fires exactly once.
// Thread-safe.
#ifndef ENT_CONVENTION_SERVICE_TIMER_DISPATCHER_H_
#define ENT_CONVENTION_SERVICE_TIMER_DISPATCHER_H_

#include "absl/status/statusor.h"
#include "convention-service/service/command_runner.h"
#include "workflow/timers/timer_engine.h"

namespace ent::convention {

inline constexpr char kWorkflowActor[] = "workflow";

class TimerDispatcher {
 public:
  explicit TimerDispatcher(CommandRunner& runner) : runner_(runner) {}

  // Blocks until the transaction is durable. Never call from a store thread.
  absl::StatusOr<workflow::TimerEngine::FireResult> FireDue(absl::Time now, int limit);

 private:
  // The effect of one timer, as a mutation (empty when it no longer applies).
  absl::StatusOr<Mutation> Effect(ConventionWriter& w, const workflow::TimerRecord& timer);

  CommandRunner& runner_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_TIMER_DISPATCHER_H_
