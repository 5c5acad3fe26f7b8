// The convention state machine (DESIGN §3.2). Each function checks that the
// action is allowed in the current state (FAILED_PRECONDITION otherwise),
// applies it to the aggregate and returns the history events it produces.
// Functions never touch storage; the caller persists the result atomically.
// On error the aggregate is left unchanged.
#ifndef ENT_CONVENTION_DOMAIN_LIFECYCLE_H_
#define ENT_CONVENTION_DOMAIN_LIFECYCLE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "convention-service/domain/convention.h"
#include "workflow/timers/timer_table.h"

namespace ent::convention {

// ABORTED when `etag` is non-empty and differs from the convention's.
absl::Status CheckEtag(const Convention& c, absl::string_view etag);

// Replaces the draft's fields named in `paths` (academie, commune,
// school_year, end_date, renews) with those of `patch`, already validated.
absl::StatusOr<std::vector<Event>> UpdateDraft(Convention& c, const Convention& patch,
                                               const std::vector<std::string>& paths);

absl::StatusOr<std::vector<Event>> CancelDraft(Convention& c, const std::string& reason);

// Records a party's signature. The second one activates the convention from
// the later signature date. The caller must then check overlaps with
// ActivationConflict before persisting.
absl::StatusOr<std::vector<Event>> Sign(Convention& c, const Signature& signature);

// For a convention that has just been activated: the predecessor it
// supersedes (when `c` renews it and it is still in force on c's effective
// date), or FAILED_PRECONDITION when another convention of the same commune
// is in force on any day of c's period. `others` are the commune's other
// conventions.
absl::StatusOr<const Convention*> ActivationConflict(const Convention& c,
                                                     const std::vector<Convention>& others);

// Ends `predecessor` on the day before `successor` takes effect.
absl::StatusOr<std::vector<Event>> Supersede(Convention& predecessor, const Convention& successor);

// Records `d` (replacing an earlier one until the commune has signed), with
// its appeal deadline computed now and stored with it.
absl::StatusOr<std::vector<Event>> RecordDeliberation(Convention& c, const Deliberation& d);

// The deliberation's appeal window before the administrative court: 2 months,
// délai franc, from its enforceable date (national calendar).
workflow::Deadline AppealDeadline(const Deliberation& d);

// In DRAFT, an edit of the annex (`amendment_date` must be empty); once
// ACTIVE, an amendment dated `amendment_date` (default `today`).
absl::StatusOr<std::vector<Event>> AddSchool(Convention& c, const School& school,
                                             std::optional<CivilDate> amendment_date,
                                             CivilDate today);
absl::StatusOr<std::vector<Event>> RemoveSchool(Convention& c, const std::string& uai,
                                                std::optional<CivilDate> amendment_date,
                                                CivilDate today);

// The draft renewing `source` for the next school year; `end_date` defaults
// to the source's end date one year later.
absl::StatusOr<Convention> MakeRenewal(const Convention& source, std::optional<CivilDate> end_date,
                                       const std::string& new_id);

// Timer kinds of the lifecycle.
inline constexpr char kTimerExpiry[] = "convention.expiry";
inline constexpr char kTimerRenewalReminder[] = "convention.renewal_reminder";

// The timers an ACTIVE convention needs at `now`: expiry at 00:00
// Europe/Paris the day after its end date, and a renewal reminder 60 days
// before the end date unless that day has already passed.
std::vector<workflow::TimerSpec> LifecycleTimers(const Convention& c, absl::Time now);

// How a lifecycle timer's date follows from the end date, in French, from the
// dates it recorded: "En vigueur jusqu'à sa date de fin (article 3), le jeudi
// 1er septembre 2022 inclus : elle cesse de l'être le vendredi 2 septembre
// 2022 à 0 h (heure de Paris)." nullopt for another kind, or dates that do not
// follow the rule (a timer stored under other rules).
std::optional<std::string> LifecycleExplanationFr(const workflow::TimerSpec& spec);

// Timer effects: ACTIVE → EXPIRED after the end date; the renewal reminder.
// A timer that no longer applies (the convention changed) does nothing.
absl::StatusOr<std::vector<Event>> Expire(Convention& c, absl::Time now);
absl::StatusOr<std::vector<Event>> RemindRenewal(const Convention& c);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_DOMAIN_LIFECYCLE_H_
