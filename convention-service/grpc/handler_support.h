// Helpers of the ConventionService handler files beyond the shared ones
// (common/grpc/handler_support.h): a completion converting with ToProto,
// finishing a read, authorising, parsing a convention name.
#ifndef ENT_CONVENTION_GRPC_HANDLER_SUPPORT_H_
#define ENT_CONVENTION_GRPC_HANDLER_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/grpc/handler_support.h"
#include "common/identifiers.h"
#include "convention-service/grpc/proto_conversion.h"
#include "convention-service/service/convention_commands.h"

namespace ent::convention {

// Both completions: this one, converting with ToProto, and the shared one
// filling the response with a function.
using ::ent::Reply;

// Completion that converts the result into `resp` and finishes the call.
template <typename Domain, typename Proto>
std::function<void(absl::StatusOr<Domain>)> Reply(grpc::ServerUnaryReactor* reactor, Proto* resp) {
  return [reactor, resp](absl::StatusOr<Domain> result) {
    if (result.ok()) ToProto(*result, resp);
    reactor->Finish(ToGrpcStatus(result.status()));
  };
}

// Finishes a synchronous read: converts the value into `resp` when OK.
template <typename Domain, typename Proto>
grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* ctx,
                                     const absl::StatusOr<Domain>& result, Proto* resp) {
  if (result.ok()) ToProto(*result, resp);
  return FinishNow(ctx, result.status());
}

// Authenticates the caller and checks its role may do `action`, or finishes
// the call with UNAUTHENTICATED / PERMISSION_DENIED.
#define ENT_AUTHORIZE_OR_FINISH(caller, action)                  \
  auto caller##_or = Authorize(*ctx, action);                    \
  if (!caller##_or.ok()) return FinishNow(ctx, caller##_or.status()); \
  Principal caller = std::move(*caller##_or)

// Parses a convention name or finishes the call with the error.
#define ENT_PARSE_NAME_OR_FINISH(var, name, field)            \
  auto var##_or = ParseConventionName(name, field);          \
  if (!var##_or.ok()) return FinishNow(ctx, var##_or.status()); \
  std::string var = *var##_or

// A request's optional commune filter: "" when `given` is empty, else the
// normalized INSEE code, or INVALID_ARGUMENT naming `commune_insee_code`.
inline absl::StatusOr<std::string> CommuneFilter(const std::string& given) {
  if (given.empty()) return std::string();
  auto normalized = NormalizeInseeCode(given);
  if (!normalized.ok()) {
    return InvalidField("commune_insee_code", std::string(normalized.status().message()));
  }
  return *normalized;
}

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_HANDLER_SUPPORT_H_
