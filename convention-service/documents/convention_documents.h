// The documents of a convention that people print, sign and send, drawn only
// from the API's view of the data (so that what is sent is what the service
// holds): the convention itself, a dispute's Article 8 letters, and the
// pending deadlines as an iCalendar file. Dates computed by the service are
// printed with their computation, in French, checked against the legal
// calendar (the stored explanation is printed instead should they disagree).
// Pure functions over their arguments; thread-safe.
#ifndef ENT_CONVENTION_SERVICE_DOCUMENTS_CONVENTION_DOCUMENTS_H_
#define ENT_CONVENTION_SERVICE_DOCUMENTS_CONVENTION_DOCUMENTS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ent/convention/v1/convention_service.pb.h"
#include "ent/document/v1/document.pb.h"
#include "workflow/calendar/legal_calendar.h"

namespace ent::convention {

// The convention (PDF): parties and representatives, the articles' essentials
// with its own terms (duration, schools, participation of
// `participation_per_school_cents` per school), Annex 1, the deliberation and
// its enforceable date, the signatures recorded, and the amendments in
// `history` (its events, oldest first).
absl::StatusOr<ent::document::v1::Document> RenderConventionDocument(
    const v1::Convention& convention, const std::vector<v1::ConventionEvent>& history,
    int64_t participation_per_school_cents);

// One Article 8 document of `dispute` (PDF), from the party that sends it to
// the other: the formal notice, the termination letter, or the conciliation
// record. FAILED_PRECONDITION (naming `kind`) when the dispute has no such
// document yet; INVALID_ARGUMENT for an unknown kind.
absl::StatusOr<ent::document::v1::Document> RenderDisputeLetter(
    const v1::Convention& convention, const v1::Dispute& dispute, v1::DisputeLetterKind kind,
    const workflow::LegalCalendar& calendar);

// The pending deadlines as an iCalendar file (text/calendar): one event per
// deadline covering its last day in Europe/Paris (ending when it expires),
// with its explanation; UIDs stable per kind and subject, so that a
// re-import (or a corrected date) updates the event: its SEQUENCE is the
// export's minute. `now` is the export's DTSTAMP; `scope` names whose
// deadlines they are (the calendar's name).
ent::document::v1::Document DeadlineCalendar(const std::vector<v1::PendingDeadline>& deadlines,
                                            absl::Time now, const std::string& scope);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_DOCUMENTS_CONVENTION_DOCUMENTS_H_
