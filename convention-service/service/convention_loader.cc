#include "convention-service/service/convention_loader.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace ent::convention {

absl::StatusOr<Convention> LoadConventionFor(ConventionReader& r, const Principal& caller,
                                             Action action, const std::string& id) {
  ENT_ASSIGN_OR_RETURN(std::optional<Convention> c, r.Get(id));
  if (!c) return MissingConvention(caller, id);
  ENT_RETURN_IF_ERROR(AuthorizeOnCommune(caller, action, c->commune.insee_code));
  return std::move(*c);
}

absl::StatusOr<Dispute> LoadDisputeFor(ConventionReader& r, const Principal& caller, Action action,
                                       const std::string& convention_id, int64_t number) {
  ENT_ASSIGN_OR_RETURN(std::optional<Dispute> d, r.GetDispute(convention_id, number));
  const std::string name = absl::StrCat("conventions/", convention_id, "/disputes/", number);
  if (!d) {
    if (caller.role == Role::kCommunePortal) {
      return absl::PermissionDeniedError(absl::StrCat("principal '", caller.name,
                                                      "' (commune portal) may not access ", name));
    }
    return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  }
  ENT_RETURN_IF_ERROR(AuthorizeOnCommune(caller, action, d->commune_insee));
  return std::move(*d);
}

}  // namespace ent::convention
