// An authenticated caller: who it is, what role it has, and for commune
// portals which communes it acts for.
#ifndef ENT_COMMON_AUTH_PRINCIPAL_H_
#define ENT_COMMON_AUTH_PRINCIPAL_H_

#include <set>
#include <string>

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

struct Principal {
  std::string name;
  Role role = Role::kSupportStaff;
  std::set<std::string> communes;  // INSEE codes, for commune portals

  // Whether a commune portal may act for `insee`; false for other roles.
  bool ActsFor(const std::string& insee) const { return communes.count(insee) > 0; }
};

}  // namespace ent

#endif  // ENT_COMMON_AUTH_PRINCIPAL_H_
