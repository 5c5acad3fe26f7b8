// What the handlers of both services share to turn a gRPC call into a
// command or a read and back: finishing a call with a status, the request's
// identity for idempotency, completions that fill the response (with a
// function, or with the ToProto conversion of the service's types, found by
// argument-dependent lookup), the early-return macros for a value, a caller,
// a convention's name, and a request's optional commune filter.
#ifndef ENT_COMMON_GRPC_HANDLER_SUPPORT_H_
#define ENT_COMMON_GRPC_HANDLER_SUPPORT_H_

#include <functional>
#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/grpc/request_fingerprint.h"
#include "common/grpc/status_conversion.h"
#include "common/identifiers.h"
#include "common/idempotency.h"
#include "common/resource_names.h"

namespace ent {

// Finishes the call now with `status` (OK or the error, with its details).
inline grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                           const absl::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Finishes the call now with `result`: moved into `*resp` when OK, else its
// error.
template <typename Message>
grpc::ServerUnaryReactor* FinishWithMessage(grpc::CallbackServerContext* ctx,
                                            absl::StatusOr<Message> result, Message* resp) {
  if (result.ok()) *resp = std::move(*result);
  return FinishNow(ctx, result.status());
}

// The call's deadline (InfiniteFuture when the client set none).
inline absl::Time DeadlineOf(const grpc::ServerContextBase& call) {
  const auto deadline = call.deadline();
  return deadline == std::chrono::system_clock::time_point::max() ? absl::InfiniteFuture()
                                                                   : absl::FromChrono(deadline);
}

// The request's identity for idempotency includes who sent it: another
// principal reusing a request_id does not get the first caller's answer.
// Carries the call's deadline to the store.
template <typename Request>
RequestContext ContextOf(const grpc::ServerContextBase& call, const char* method, const Request& req,
                         Principal caller) {
  std::string fingerprint = RequestFingerprint(absl::StrCat(method, "\n", caller.name), req);
  return RequestContext{req.request_id(), std::move(fingerprint), std::move(caller), DeadlineOf(call),
                        false};
}

// As ContextOf, for a request that may ask to be validated only (AIP-163's
// `validate_only`): the command computes its answer and records nothing.
template <typename Request>
RequestContext PreviewableContextOf(const grpc::ServerContextBase& call, const char* method,
                                    const Request& req, Principal caller) {
  RequestContext ctx = ContextOf(call, method, req, std::move(caller));
  ctx.validate_only = req.validate_only();
  return ctx;
}

// Completion that fills the response with `fill(value)` when OK and finishes
// the call (on whatever thread the command completes).
template <typename T, typename Fill>
std::function<void(absl::StatusOr<T>)> Reply(grpc::ServerUnaryReactor* reactor, Fill fill) {
  return [reactor, fill = std::move(fill)](absl::StatusOr<T> r) {
    if (r.ok()) fill(*r);
    reactor->Finish(ToGrpcStatus(r.status()));
  };
}

// Completion that converts the result into `resp` with the service's
// ToProto(domain, proto*) and finishes the call.
template <typename Domain, typename Proto>
std::function<void(absl::StatusOr<Domain>)> Reply(grpc::ServerUnaryReactor* reactor, Proto* resp) {
  return [reactor, resp](absl::StatusOr<Domain> result) {
    if (result.ok()) ToProto(*result, resp);
    reactor->Finish(ToGrpcStatus(result.status()));
  };
}

// Finishes a synchronous read: converts the value into `resp` (ToProto)
// when OK.
template <typename Domain, typename Proto>
grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* ctx,
                                     const absl::StatusOr<Domain>& result, Proto* resp) {
  if (result.ok()) ToProto(*result, resp);
  return FinishNow(ctx, result.status());
}

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

}  // namespace ent

// Declares `var` from a StatusOr expression, or finishes the call (`ctx` in
// scope) with its error.
#define ENT_VALUE_OR_FINISH(var, expr)                              \
  auto var##_or = (expr);                                           \
  if (!var##_or.ok()) return ::ent::FinishNow(ctx, var##_or.status()); \
  auto var = std::move(*var##_or)

// Declares `caller`, the Principal the handler's Authorize(ctx, action)
// accepts, or finishes the call with UNAUTHENTICATED / PERMISSION_DENIED.
#define ENT_AUTHORIZE_OR_FINISH(caller, action) ENT_VALUE_OR_FINISH(caller, Authorize(*ctx, action))

// Declares `var`, a convention's id parsed from its resource name, or
// finishes the call with INVALID_ARGUMENT naming `field`.
#define ENT_PARSE_NAME_OR_FINISH(var, name, field) \
  ENT_VALUE_OR_FINISH(var, ::ent::ParseConventionName(name, field))

#endif  // ENT_COMMON_GRPC_HANDLER_SUPPORT_H_
