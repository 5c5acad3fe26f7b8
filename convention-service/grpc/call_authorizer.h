// What every ConventionService handler class does first: authenticate the
// caller and check its role may do the action (access_policy). The handler
// classes derive from it so that ENT_AUTHORIZE_OR_FINISH finds Authorize.
#ifndef ENT_CONVENTION_GRPC_CALL_AUTHORIZER_H_
#define ENT_CONVENTION_GRPC_CALL_AUTHORIZER_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/auth/principal_directory.h"
#include "common/grpc/call_auth.h"
#include "convention-service/service/access_policy.h"

namespace ent::convention {

class CallAuthorizer {
 public:
  // `principals` outlives this.
  explicit CallAuthorizer(const PrincipalDirectory& principals) : principals_(principals) {}

 protected:
  // The caller, or UNAUTHENTICATED / PERMISSION_DENIED.
  absl::StatusOr<Principal> Authorize(const grpc::ServerContextBase& ctx, Action action) const {
    absl::StatusOr<Principal> caller = AuthenticateCall(ctx, principals_);
    if (!caller.ok()) return caller.status();
    if (auto st = AuthorizeAction(*caller, action); !st.ok()) return st;
    return caller;
  }
  const PrincipalDirectory& principals() const { return principals_; }

 private:
  const PrincipalDirectory& principals_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_CALL_AUTHORIZER_H_
