// Who may do what on conventions (DESIGN §3.6). Plain functions, no I/O.
//
// Checks happen in two steps: AuthorizeAction when the call arrives (may this
// role ever do it?), then AuthorizeOnCommune once the convention is known
// (commune portals act only for their own communes). A commune portal gets
// PERMISSION_DENIED for a convention that does not exist, as for another
// commune's, so it cannot probe which conventions exist.
#ifndef ENT_CONVENTION_SERVICE_ACCESS_POLICY_H_
#define ENT_CONVENTION_SERVICE_ACCESS_POLICY_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/auth/principal.h"
#include "convention-service/domain/convention.h"

namespace ent::convention {

enum class Action {
  kRead,                // conventions and their history
  kManageDraft,         // create, edit, cancel, enrol schools, renew
  kSignForAcademie,     // the académie's signature
  kSignForCommune,      // the commune's signature
  kRecordDeliberation,  // the commune's deliberation
  kDispute,             // open and drive disputes (Article 8)
  kOperate,             // operate the workflow: the outbox, failed timers
};

absl::Status AuthorizeAction(const Principal& caller, Action action);
absl::Status AuthorizeOnCommune(const Principal& caller, Action action, const std::string& insee);
// Commune portals act in a dispute only as the commune (DESIGN §3.6): on
// disputes their commune sent (`sender`), and when a date is corrected, only
// on their commune's own acts (`act_by`; nullopt for a joint act such as the
// conciliation meeting). Other roles pass (their role was checked before).
absl::Status AuthorizeInDispute(const Principal& caller, const std::string& dispute_name,
                                PartyRole sender, std::optional<PartyRole> act_by);
// The error for a convention that does not exist: NOT_FOUND, except for
// commune portals (PERMISSION_DENIED).
absl::Status MissingConvention(const Principal& caller, const std::string& id);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_ACCESS_POLICY_H_
