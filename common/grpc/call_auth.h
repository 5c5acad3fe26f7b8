// Authenticates a gRPC call from its "authorization" metadata against the
// service's principals.
#ifndef ENT_COMMON_GRPC_CALL_AUTH_H_
#define ENT_COMMON_GRPC_CALL_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/statusor.h"
#include "common/auth/principal_registry.h"

namespace ent {

absl::StatusOr<Principal> AuthenticateCall(const grpc::ServerContextBase& ctx,
                                           const PrincipalRegistry& principals);

// The call's "authorization" metadata value (empty when absent), to
// authenticate it again later (StreamGuard).
std::string AuthorizationOf(const grpc::ServerContextBase& ctx);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_CALL_AUTH_H_
