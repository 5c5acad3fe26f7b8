#include "common/grpc/call_auth.h"

namespace ent {

std::string AuthorizationOf(const grpc::ServerContextBase& ctx) {
  auto range = ctx.client_metadata().equal_range("authorization");
  if (range.first == range.second) return "";
  return std::string(range.first->second.data(), range.first->second.size());
}

absl::StatusOr<Principal> AuthenticateCall(const grpc::ServerContextBase& ctx,
                                           const PrincipalRegistry& principals) {
  const auto& metadata = ctx.client_metadata();
  auto range = metadata.equal_range("authorization");
  if (range.first == range.second) return principals.Authenticate("");
  if (std::next(range.first) != range.second) {
    return absl::UnauthenticatedError("several authorization metadata values: send exactly one");
  }
  const grpc::string_ref value = range.first->second;
  return principals.Authenticate(absl::string_view(value.data(), value.size()));
}

}  // namespace ent
