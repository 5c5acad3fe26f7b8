// Runs state-changing commands of convention-service in one store
// transaction each, with what every command needs: idempotency by
// request_id (a retry gets the first response), versions and update times,
// history events with their author, durable timers scheduled or cancelled,
// and, once durable, wake-ups for event watchers and the timer engine.
// Thread-safe.
#ifndef ENT_CONVENTION_SERVICE_COMMAND_RUNNER_H_
#define ENT_CONVENTION_SERVICE_COMMAND_RUNNER_H_

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "common/clock.h"
#include "common/idempotency.h"
#include "convention-service/service/billing_notices.h"
#include "convention-service/store/convention_store.h"

namespace ent::convention {

using ::ent::RequestContext;

// What a command changes.
struct Mutation {
  std::vector<Convention> conventions;  // stored with version + 1
  std::vector<Dispute> disputes;        // stored with version + 1
  std::vector<Event> events;
  std::vector<workflow::TimerSpec> schedule;
  std::vector<std::pair<std::string, std::string>> cancel;  // (subject, kind or "")
  std::vector<OutboxNotice> notices;  // for billing-service, through the outbox
  bool answers_dispute = false;  // the response is disputes[0], else conventions[0]

  // A mutation of one convention (the response) with its events.
  static Mutation Of(Convention c, std::vector<Event> events);
  void Add(std::vector<Event> more);
  void Add(DisputeEffects effects);
};

class CommandRunner {
 public:
  // May the caller run this command on what the store holds now? Runs first
  // in the command's transaction, before the request log is consulted, so a
  // replay is authorised like a first attempt (null: nothing beyond the role
  // check the caller already made).
  using Authorize = std::function<absl::Status(ConventionReader&)>;
  using Fn = std::function<absl::StatusOr<Mutation>(ConventionWriter&, absl::Time now)>;
  using Done = std::function<void(absl::StatusOr<Response>)>;

  CommandRunner(ConventionStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Called after a commit that scheduled timers (set once, before use).
  void SetTimersChanged(std::function<void()> hook) { timers_changed_ = std::move(hook); }
  // Called after a commit that queued outbox notices (set once, before use).
  void SetNoticesQueued(std::function<void()> hook) { notices_queued_ = std::move(hook); }

  // Validates the request id, then in one transaction: `authorize`, the
  // request log (a retry by the same principal gets the first answer), `fn`,
  // persistence, and the answer stored under the principal's request id.
  // With `ctx.validate_only`: `authorize` and `fn` only, and `done` gets the
  // answer as it would be stored (versions and times stamped) while nothing is
  // written, logged, scheduled or woken.
  void Run(RequestContext ctx, Authorize authorize, Fn fn, Done done);

  // Persists `m` inside the caller's transaction (also for timer firings,
  // which have no request): versions, events by `actor`, timers. Leaves in `m`
  // what was stored.
  absl::Status Persist(ConventionWriter& w, Mutation& m, absl::Time now, const std::string& actor,
                       const std::string& request_id);

  // After a commit that changed something. (Its events reach the watchers
  // through the store's committed-events observer.)
  void Committed(bool timers_changed, bool notices_queued);

  ConventionStore& store() { return store_; }
  const Clock& clock() const { return clock_; }

 private:
  ConventionStore& store_;
  const Clock& clock_;
  std::function<void()> timers_changed_;
  std::function<void()> notices_queued_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_COMMAND_RUNNER_H_
