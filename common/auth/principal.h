// An authenticated caller: who it is, what role it has, for commune portals
// which communes it acts for, and — when it signed in through an identity
// provider — the person.
#ifndef ENT_COMMON_AUTH_PRINCIPAL_H_
#define ENT_COMMON_AUTH_PRINCIPAL_H_

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/time/time.h"

namespace ent {

// Numeric values match ent.auth.v1.Role.
enum class Role {
  kRectoratService = 1,
  kSupportStaff = 2,
  kCommunePortal = 3,
  kFinance = 4,
  kInternalService = 5,
};

const char* RoleName(Role role);

// Who did an act, as documents and records keep it: the actor (see
// Principal::Actor) and, for a person, their name and e-mail.
struct Author {
  std::string actor;
  std::string display_name;
  std::string email;
};

// A person named by an identity provider's token.
struct Person {
  std::string provider;      // the IdentityProvider's name: "academie"
  std::string subject;       // the token's `sub`
  std::string display_name;  // may be empty
  std::string email;         // may be empty
};

struct Principal {
  Principal() = default;
  Principal(std::string name, Role role, std::set<std::string> communes = {})
      : name(std::move(name)), role(role), communes(std::move(communes)) {}

  // Unique and stable: the principals file's name, or "<provider>:<sub>" for
  // a token's person or client. Scopes idempotency keys.
  std::string name;
  Role role = Role::kSupportStaff;
  std::set<std::string> communes;  // INSEE codes, for commune portals
  std::optional<Person> person;    // who signed in, for a person's token
  std::string via;                 // the portal that forwarded its user's token
  absl::Time expires = absl::InfiniteFuture();  // the token's `exp`

  // Whether a commune portal may act for `insee`; false for other roles.
  bool ActsFor(const std::string& insee) const { return communes.count(insee) > 0; }

  // Who acted, as the history, the call log and the documents record it:
  // `name` for a service; for a person "Claire Martin
  // <claire.martin@ac-montpellier.fr> (support staff, academie:8d3f…)",
  // followed by " via <portal>" when a portal forwarded the token.
  std::string Actor() const;
  // The author of an act this principal does.
  Author AsAuthor() const;
};

bool SamePrincipal(const Principal& a, const Principal& b);

}  // namespace ent

#endif  // ENT_COMMON_AUTH_PRINCIPAL_H_
