// A dispute under Article 8 of the convention, and the procedure's rules
// (DESIGN §3.3): formal notice → conciliation within one month → resolved,
// failed or lapsed → termination notice → TERMINATING → TERMINATED fifteen
// days after it was sent; withdrawal before termination takes effect.
// Plain data and functions; deadlines come from the legal calendar. Functions
// leave their arguments unchanged on error.
#ifndef ENT_CONVENTION_DOMAIN_DISPUTE_H_
#define ENT_CONVENTION_DOMAIN_DISPUTE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "convention-service/domain/convention.h"
#include "workflow/calendar/legal_calendar.h"
#include "workflow/timers/timer_table.h"

namespace ent::convention {

// Numeric values match the proto enum.
enum class DisputeState {
  kAwaitingConciliation = 1,
  kResolved = 2,
  kConciliationFailed = 3,
  kConciliationLapsed = 4,
  kTerminating = 5,
  kTerminated = 6,
  kWithdrawn = 7,
};
const char* DisputeStateName(DisputeState s);

enum class ConciliationOutcome { kResolved = 1, kFailed = 2 };

struct Conciliation {
  CivilDate meeting_date;
  ConciliationOutcome outcome = ConciliationOutcome::kFailed;
  std::string notes;
  Author recorded_by;
};

struct Termination {
  PartyRole party = PartyRole::kCommune;
  std::string reasons;
  std::string letter_reference;
  CivilDate sent_date;
  workflow::Deadline effective_deadline;  // computed
  Author sent_by;
};

struct Dispute {
  std::string convention_id;
  int64_t number = 0;  // per convention: "conventions/{c}/disputes/{n}"
  std::string commune_insee;
  PartyRole party = PartyRole::kCommune;
  std::string grievances;
  std::string notice_reference;
  CivilDate notice_sent_date;
  std::optional<CivilDate> notice_acknowledged_date;
  workflow::Deadline conciliation_deadline;  // computed
  std::optional<Conciliation> conciliation;
  std::optional<Termination> termination;
  DisputeState state = DisputeState::kAwaitingConciliation;
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
  Author opened_by;

  std::string Name() const;
  std::string Etag() const;
  // Not yet closed (resolved, terminated or withdrawn).
  bool IsOpen() const;
};

// Which date CorrectDate changes; values match the proto enum.
enum class DisputeDateField {
  kNoticeSent = 1,
  kNoticeAcknowledged = 2,
  kConciliationMeeting = 3,
  kTerminationSent = 4,
};

// Timer kinds and what they do when they fire.
inline constexpr char kTimerConciliation[] = "dispute.conciliation_deadline";
inline constexpr char kTimerTermination[] = "dispute.termination";

// What a dispute command changes besides the dispute itself.
struct DisputeEffects {
  std::vector<Event> events;                   // on the convention's history
  std::vector<workflow::TimerSpec> schedule;   // timers to add
  std::vector<std::pair<std::string, std::string>> cancel;  // (subject, kind) to cancel
};

// Opens dispute number `number` on `c` (must be ACTIVE, without another open
// dispute — the caller checks that).
absl::StatusOr<std::pair<Dispute, DisputeEffects>> OpenDispute(
    const Convention& c, Dispute draft, int64_t number, CivilDate today,
    const workflow::LegalCalendar& calendar);

absl::StatusOr<DisputeEffects> RecordConciliation(Dispute& d, const Conciliation& conciliation,
                                                  CivilDate today);

// The convention becomes TERMINATING; termination is scheduled.
absl::StatusOr<DisputeEffects> SendTerminationNotice(Dispute& d, Convention& c, Termination t,
                                                     CivilDate today,
                                                     const workflow::LegalCalendar& calendar);

// Before termination takes effect; a TERMINATING convention returns to ACTIVE.
absl::StatusOr<DisputeEffects> WithdrawDispute(Dispute& d, Convention& c, const std::string& reason);

absl::StatusOr<DisputeEffects> CorrectDisputeDate(Dispute& d, DisputeDateField field,
                                                  CivilDate date, const std::string& reason,
                                                  CivilDate today,
                                                  const workflow::LegalCalendar& calendar);

// Timer effects.
absl::StatusOr<DisputeEffects> LapseConciliation(Dispute& d, const Convention& c);
absl::StatusOr<DisputeEffects> TakeTerminationEffect(Dispute& d, Convention& c);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_DOMAIN_DISPUTE_H_
