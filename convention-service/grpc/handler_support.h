// Helpers shared by the ConventionService handler files: finishing a call
// with a status, authenticating and authorising, building the request context.
#ifndef ENT_CONVENTION_GRPC_HANDLER_SUPPORT_H_
#define ENT_CONVENTION_GRPC_HANDLER_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/grpc/request_fingerprint.h"
#include "common/grpc/status_conversion.h"
#include "convention-service/grpc/proto_conversion.h"
#include "convention-service/service/convention_registry.h"

namespace ent::convention {


// The request's identity for idempotency includes who sent it: another
// principal reusing a request_id does not get the first caller's answer.
template <typename Request>
inline RequestContext ContextOf(const char* method, const Request& req, Principal caller) {
  std::string fingerprint = RequestFingerprint(absl::StrCat(method, "\n", caller.name), req);
  return RequestContext{req.request_id(), std::move(fingerprint), std::move(caller)};
}

inline grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                           const absl::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

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

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_HANDLER_SUPPORT_H_
