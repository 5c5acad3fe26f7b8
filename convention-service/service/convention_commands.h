// The application logic of conventions: validates commands against the rules
// that need the clock, checks who may do them, and runs the domain state
// machine through the CommandRunner (one transaction, idempotency, history,
// timers). No gRPC here; handlers convert protos and call this.
//
// Thread-safe. Reads return directly (they are short and never wait for the
// writer); mutations and event streaming complete asynchronously through
// their callback, which runs on a store thread and must not block; mutations
// complete only once durable.
#ifndef ENT_CONVENTION_SERVICE_CONVENTION_COMMANDS_H_
#define ENT_CONVENTION_SERVICE_CONVENTION_COMMANDS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "common/clock.h"
#include "convention-service/domain/convention.h"
#include "convention-service/service/access_policy.h"
#include "convention-service/service/command_runner.h"
#include "convention-service/service/event_hub.h"
#include "convention-service/domain/registry_checks.h"
#include "convention-service/store/convention_store.h"

namespace ent::convention {

class ConventionCommands {
 public:
  using ConventionCallback = std::function<void(absl::StatusOr<Convention>)>;
  using EventsCallback = std::function<void(absl::StatusOr<std::vector<EventRecord>>)>;

  // `reference`: the commune registry and the académie, checked on create,
  // update, renewal and school amendments.
  ConventionCommands(CommandRunner& runner, EventHub& hub, ReferenceData reference)
      : runner_(runner), hub_(hub), reference_(reference) {}

  const ReferenceData& reference() const { return reference_; }

  // `draft` has its school year and end date parsed; `id` may be empty.
  void Create(RequestContext ctx, Convention draft, std::string id, ConventionCallback done);
  absl::StatusOr<Convention> Get(const Principal& caller, const std::string& id);
  // Commune portals see only their communes' conventions.
  absl::StatusOr<std::vector<Convention>> List(const Principal& caller, ListFilter filter,
                                               const std::string& after_id, int limit);
  void Update(RequestContext ctx, Convention patch, std::vector<std::string> paths,
              std::string etag, ConventionCallback done);
  void Cancel(RequestContext ctx, std::string id, std::string etag, std::string reason,
              ConventionCallback done);
  void Sign(RequestContext ctx, std::string id, Signature signature, std::string etag,
            ConventionCallback done);
  void RecordDeliberation(RequestContext ctx, std::string id, Deliberation deliberation,
                          std::string etag, ConventionCallback done);
  void AddSchool(RequestContext ctx, std::string id, School school,
                 std::optional<CivilDate> amendment_date, std::string etag,
                 ConventionCallback done);
  void RemoveSchool(RequestContext ctx, std::string id, std::string uai,
                    std::optional<CivilDate> amendment_date, std::string etag,
                    ConventionCallback done);
  void Renew(RequestContext ctx, std::string id, std::optional<CivilDate> end_date,
             std::string new_id, ConventionCallback done);
  // History of one convention (NOT_FOUND when it does not exist).
  absl::StatusOr<std::vector<EventRecord>> ListEvents(const Principal& caller,
                                                      const std::string& id,
                                                      int64_t after_sequence, int limit);
  // The events `caller` may watch: one convention's (`id`, checked now) or
  // every convention's it may read.
  absl::StatusOr<EventFilter> WatchFilter(const Principal& caller, const std::string& id);
  // Events matching `filter` (already authorised), on a store thread.
  void ReadEventsAfter(EventFilter filter, int64_t after_sequence, int limit, EventsCallback done);

  EventHub& hub() { return hub_; }

 private:
  // Runs a command that answers a convention.
  void Mutate(RequestContext ctx, CommandRunner::Authorize authorize, CommandRunner::Fn fn,
              ConventionCallback done);
  // Changes `c`, returning its events; may add other effects to the mutation.
  // (`now` is the command's instant, inside its transaction.)
  using ChangeFn =
      std::function<absl::StatusOr<std::vector<Event>>(Convention& c, Mutation& m, absl::Time now)>;
  // Loads `id` for a change guarded by `etag`, applies `change`, and records it.
  void Change(RequestContext ctx, std::string id, std::string etag, Action action,
              ChangeFn change, ConventionCallback done);

  CommandRunner& runner_;
  EventHub& hub_;
  const ReferenceData reference_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_CONVENTION_COMMANDS_H_
