// Loading a convention or a dispute for a caller about to act on it: the
// resource must exist and the caller must be allowed on its commune
// (commune portals get PERMISSION_DENIED for what is missing, too).
#ifndef ENT_CONVENTION_SERVICE_CONVENTION_LOADER_H_
#define ENT_CONVENTION_SERVICE_CONVENTION_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "convention-service/service/access_policy.h"
#include "convention-service/store/convention_store.h"

namespace ent::convention {

absl::StatusOr<Convention> LoadConventionFor(ConventionReader& r, const Principal& caller,
                                             Action action, const std::string& id);
absl::StatusOr<Dispute> LoadDisputeFor(ConventionReader& r, const Principal& caller, Action action,
                                       const std::string& convention_id, int64_t number);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_CONVENTION_LOADER_H_
