// The application logic of disputes (Article 8): who may act, the rules that
// need today's date and the legal calendar, and the commands, each run by the
// CommandRunner in one transaction with the convention it affects, its
// history events and its timers. Also the support staff's list of pending
// deadlines. Thread-safe; mutations complete through their callback.
#ifndef ENT_CONVENTION_SERVICE_DISPUTE_COMMANDS_H_
#define ENT_CONVENTION_SERVICE_DISPUTE_COMMANDS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "convention-service/domain/dispute.h"
#include "convention-service/service/command_runner.h"
#include "workflow/calendar/legal_calendar.h"

namespace ent::convention {

class DisputeCommands {
 public:
  using DisputeCallback = std::function<void(absl::StatusOr<Dispute>)>;

  DisputeCommands(CommandRunner& runner, const workflow::LegalCalendar& calendar)
      : runner_(runner), calendar_(calendar) {}

  // REQUIRES: `draft` is a valid request (DisputeDraftFromProto: party,
  // grievances, notice reference and dates checked in one pass); what this
  // checks depends on stored data and today's date.
  void Open(RequestContext ctx, std::string convention_id, Dispute draft, DisputeCallback done);
  absl::StatusOr<Dispute> Get(const Principal& caller, const std::string& convention_id,
                              int64_t number);
  absl::StatusOr<std::vector<Dispute>> List(const Principal& caller, DisputeFilter filter,
                                            const std::pair<std::string, int64_t>& after,
                                            int limit);
  // REQUIRES (both): a valid request (ConciliationFromProto,
  // TerminationFromProto).
  void RecordConciliation(RequestContext ctx, std::string convention_id, int64_t number,
                          Conciliation conciliation, std::string etag, DisputeCallback done);
  void SendTerminationNotice(RequestContext ctx, std::string convention_id, int64_t number,
                             Termination termination, std::string etag, DisputeCallback done);
  void Withdraw(RequestContext ctx, std::string convention_id, int64_t number, std::string reason,
                std::string etag, DisputeCallback done);
  void CorrectDate(RequestContext ctx, std::string convention_id, int64_t number,
                   DisputeDateField field, CivilDate date, std::string reason, std::string etag,
                   DisputeCallback done);
  // Pending deadlines after (due, id) = `after`, soonest first; those of
  // `insee` only when not empty (PERMISSION_DENIED for a commune portal
  // asking for another's); commune portals see only their communes'.
  absl::StatusOr<std::vector<workflow::TimerRecord>> ListDeadlines(
      const Principal& caller, std::pair<absl::Time, int64_t> after, int limit,
      const std::string& insee = "");
  // Every pending deadline (of `insee` only, when not empty), soonest first;
  // commune portals see only their communes' (PERMISSION_DENIED for another's).
  absl::StatusOr<std::vector<workflow::TimerRecord>> AllDeadlines(const Principal& caller,
                                                                  const std::string& insee);

  // The legal calendar the deadlines are computed with, and the service's clock.
  const workflow::LegalCalendar& calendar() const { return calendar_; }
  absl::Time Now() const { return runner_.clock().Now(); }

 private:
  // Changes the dispute (and its convention) at `now`, the command's instant.
  using DisputeChange =
      std::function<absl::StatusOr<DisputeEffects>(Dispute&, Convention&, absl::Time now)>;
  // Whose act of the dispute a command changes (nullopt: none in particular).
  using ActOf = std::function<std::optional<PartyRole>(const Dispute&)>;
  // Authorises the caller on the dispute (its commune, and for portals the
  // sender and `act_of`), then loads it and its convention, checks the etag and
  // applies `change`.
  void Change(RequestContext ctx, std::string convention_id, int64_t number, std::string etag,
              DisputeChange change, DisputeCallback done, ActOf act_of = nullptr);
  void Run(RequestContext ctx, CommandRunner::Authorize authorize, CommandRunner::Fn fn,
           DisputeCallback done);

  CommandRunner& runner_;
  const workflow::LegalCalendar& calendar_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_DISPUTE_COMMANDS_H_
