#include "convention-service/service/access_policy.h"

#include <gtest/gtest.h>

namespace ent::convention {
namespace {

Principal Of(Role role) {
  Principal p{"caller", role, {}};
  if (role == Role::kCommunePortal) p.communes = {"30227"};
  return p;
}

// DESIGN §3.6, convention columns. Own commune for portals: 30227.
TEST(AccessPolicyTest, FollowsTheMatrix) {
  struct Row {
    Action action;
    bool rectorat, support, finance, internal, portal_own;
  };
  const Row rows[] = {
      {Action::kRead, true, true, true, true, true},
      {Action::kManageDraft, true, false, false, false, false},
      {Action::kSignForAcademie, true, false, false, false, false},
      {Action::kSignForCommune, true, false, false, false, true},
      {Action::kRecordDeliberation, true, false, false, false, true},
      {Action::kDispute, true, true, false, false, true},
      {Action::kOperate, true, true, false, false, false},
  };
  // Every action has its row (Action::kOperate is the last).
  for (int a = 0; a <= static_cast<int>(Action::kOperate); ++a) {
    bool found = false;
    for (const Row& row : rows) found = found || static_cast<int>(row.action) == a;
    EXPECT_TRUE(found) << "action " << a << " is missing from the matrix";
  }
  for (const Row& row : rows) {
    const std::pair<Role, bool> cells[] = {{Role::kRectoratService, row.rectorat},
                                           {Role::kSupportStaff, row.support},
                                           {Role::kFinance, row.finance},
                                           {Role::kInternalService, row.internal},
                                           {Role::kCommunePortal, row.portal_own}};
    for (const auto& [role, allowed] : cells) {
      const absl::Status own = AuthorizeOnCommune(Of(role), row.action, "30227");
      EXPECT_EQ(own.ok(), allowed) << RoleName(role) << " action " << static_cast<int>(row.action);
      if (!allowed) {
        EXPECT_EQ(own.code(), absl::StatusCode::kPermissionDenied);
      }
      // Another commune: as before for everyone but portals, which are refused.
      const absl::Status other = AuthorizeOnCommune(Of(role), row.action, "34172");
      EXPECT_EQ(other.ok(), allowed && role != Role::kCommunePortal) << RoleName(role);
    }
  }
}

TEST(AccessPolicyTest, MissingConventionLooksForbiddenToPortals) {
  EXPECT_EQ(MissingConvention(Of(Role::kCommunePortal), "x").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(MissingConvention(Of(Role::kSupportStaff), "x").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ent::convention
