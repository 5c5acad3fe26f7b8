#include "convention-service/service/access_policy.h"

#include "absl/strings/str_cat.h"

namespace ent::convention {
namespace {

const char* ActionText(Action a) {
  switch (a) {
    case Action::kRead: return "read conventions";
    case Action::kManageDraft: return "create or edit conventions";
    case Action::kSignForAcademie: return "sign for the académie";
    case Action::kSignForCommune: return "sign for the commune";
    case Action::kRecordDeliberation: return "record deliberations";
    case Action::kDispute: return "open or drive disputes";
    case Action::kOperate: return "operate the workflow (outbox, failed timers)";
  }
  return "do this";
}

absl::Status Denied(const Principal& caller, Action action) {
  return absl::PermissionDeniedError(absl::StrCat("principal '", caller.name, "' (",
                                                  RoleName(caller.role), ") may not ",
                                                  ActionText(action)));
}

}  // namespace

absl::Status AuthorizeAction(const Principal& caller, Action action) {
  switch (caller.role) {
    case Role::kRectoratService:
      return absl::OkStatus();
    case Role::kCommunePortal:
      if (action == Action::kRead || action == Action::kSignForCommune ||
          action == Action::kRecordDeliberation || action == Action::kDispute) {
        return absl::OkStatus();
      }
      return Denied(caller, action);
    case Role::kSupportStaff:
      if (action == Action::kRead || action == Action::kDispute || action == Action::kOperate) {
        return absl::OkStatus();
      }
      return Denied(caller, action);
    case Role::kFinance:
    case Role::kInternalService:
      if (action == Action::kRead) return absl::OkStatus();
      return Denied(caller, action);
  }
  return Denied(caller, action);
}

absl::Status AuthorizeOnCommune(const Principal& caller, Action action, const std::string& insee) {
  if (auto st = AuthorizeAction(caller, action); !st.ok()) return st;
  if (caller.role != Role::kCommunePortal || caller.ActsFor(insee)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("principal '", caller.name,
                                                  "' (commune portal) does not act for commune ",
                                                  insee));
}

absl::Status AuthorizeInDispute(const Principal& caller, const std::string& dispute_name,
                                PartyRole sender, std::optional<PartyRole> act_by) {
  if (caller.role != Role::kCommunePortal) return absl::OkStatus();
  if (sender != PartyRole::kCommune) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal '", caller.name, "' (commune portal) acts only on disputes its commune sent; ",
        dispute_name, " was opened by the académie"));
  }
  if (act_by && *act_by != PartyRole::kCommune) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal '", caller.name,
        "' (commune portal) may correct only the dates of the commune's own acts in ",
        dispute_name, "; this date records an act of the académie"));
  }
  return absl::OkStatus();
}

absl::Status MissingConvention(const Principal& caller, const std::string& id) {
  if (caller.role == Role::kCommunePortal) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal '", caller.name, "' (commune portal) may not access conventions/", id));
  }
  return absl::NotFoundError(absl::StrCat("conventions/", id, " does not exist"));
}

}  // namespace ent::convention
