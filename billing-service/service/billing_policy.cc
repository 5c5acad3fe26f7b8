#include "billing-service/service/billing_policy.h"

#include "absl/strings/str_cat.h"

namespace ent::billing {
namespace {

const char* ActionText(BillingAction a) {
  switch (a) {
    case BillingAction::kReadTariffs: return "read tariffs";
    case BillingAction::kManage: return "manage tariffs, titres, payments and corrections";
    case BillingAction::kReadTitres: return "read titres and statements";
    case BillingAction::kNotify: return "send convention notices";
  }
  return "do this";
}

}  // namespace

absl::Status AuthorizeBilling(const Principal& caller, BillingAction action) {
  bool allowed = false;
  switch (action) {
    case BillingAction::kReadTariffs:
      allowed = true;
      break;
    case BillingAction::kManage:
      allowed = caller.role == Role::kFinance;
      break;
    case BillingAction::kReadTitres:
      allowed = caller.role == Role::kRectoratService || caller.role == Role::kSupportStaff ||
                caller.role == Role::kFinance || caller.role == Role::kCommunePortal;
      break;
    case BillingAction::kNotify:
      allowed = caller.role == Role::kInternalService;
      break;
  }
  if (allowed) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("principal '", caller.name, "' (",
                                                  RoleName(caller.role), ") may not ",
                                                  ActionText(action)));
}

absl::Status AuthorizeCommune(const Principal& caller, BillingAction action,
                              const std::string& insee) {
  if (auto st = AuthorizeBilling(caller, action); !st.ok()) return st;
  if (caller.role != Role::kCommunePortal || caller.ActsFor(insee)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "principal '", caller.name, "' (commune portal) does not act for commune ", insee));
}

}  // namespace ent::billing
