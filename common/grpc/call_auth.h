// Authenticates a gRPC call from what it presented — its "authorization"
// metadata, a portal's forwarded "x-ent-user-authorization", its verified
// client certificate — against the service's principals.
#ifndef ENT_COMMON_GRPC_CALL_AUTH_H_
#define ENT_COMMON_GRPC_CALL_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/statusor.h"
#include "common/auth/principal_directory.h"

namespace ent {

// Logs each refusal with its reason for the operators ("auth_refused": the
// peer, which check failed; at most 20 a minute); the status says what helps
// the client.
absl::StatusOr<Principal> AuthenticateCall(const grpc::ServerContextBase& ctx,
                                           const PrincipalDirectory& principals);

// What the call presented, to authenticate it again later (StreamGuard, the
// call log). UNAUTHENTICATED when a metadata key is sent twice.
absl::StatusOr<CallCredentials> CredentialsOf(const grpc::ServerContextBase& ctx);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_CALL_AUTH_H_
