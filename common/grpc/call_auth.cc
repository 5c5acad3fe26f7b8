#include "common/grpc/call_auth.h"

#include <grpc/grpc_security_constants.h>

#include "absl/strings/str_cat.h"
#include "common/log_sink.h"
#include "common/metrics/metrics.h"
#include "common/resource_names.h"

namespace ent {
namespace {

// The single value of `key`, "" when absent; an error when sent twice.
absl::StatusOr<std::string> OneValue(const grpc::ServerContextBase& ctx, const char* key) {
  auto range = ctx.client_metadata().equal_range(key);
  if (range.first == range.second) return std::string();
  if (std::next(range.first) != range.second) {
    return absl::UnauthenticatedError(
        absl::StrCat("several ", key, " metadata values: send exactly one"));
  }
  return std::string(range.first->second.data(), range.first->second.size());
}

}  // namespace

absl::StatusOr<CallCredentials> CredentialsOf(const grpc::ServerContextBase& ctx) {
  CallCredentials credentials;
  auto authorization = OneValue(ctx, "authorization");
  if (!authorization.ok()) return authorization.status();
  credentials.authorization = std::move(*authorization);
  auto user = OneValue(ctx, "x-ent-user-authorization");
  if (!user.ok()) return user.status();
  credentials.user_authorization = std::move(*user);
  // A certificate counts only once the TLS handshake verified it against the
  // configured client CA.
  std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const auto& v : auth->FindPropertyValues(GRPC_X509_SUBJECT_PROPERTY_NAME)) {
      credentials.certificate_names.push_back(absl::StrCat("subject:", std::string(v.data(), v.size())));
    }
    const std::pair<const char*, const char*> sans[] = {{GRPC_PEER_DNS_PROPERTY_NAME, "DNS:"},
                                                        {GRPC_PEER_URI_PROPERTY_NAME, "URI:"},
                                                        {GRPC_PEER_EMAIL_PROPERTY_NAME, "email:"},
                                                        {GRPC_PEER_IP_PROPERTY_NAME, "IP:"}};
    for (const auto& [property, prefix] : sans) {
      for (const auto& v : auth->FindPropertyValues(property)) {
        credentials.certificate_names.push_back(absl::StrCat(prefix, std::string(v.data(), v.size())));
      }
    }
  }
  return credentials;
}

absl::StatusOr<Principal> AuthenticateCall(const grpc::ServerContextBase& ctx,
                                           const PrincipalDirectory& principals) {
  auto credentials = CredentialsOf(ctx);
  std::string detail;
  absl::StatusOr<Principal> principal =
      credentials.ok() ? principals.Authenticate(*credentials, &detail)
                       : absl::StatusOr<Principal>(credentials.status());
  if (!principal.ok()) {
    const char* code = principal.status().code() == absl::StatusCode::kUnauthenticated
                           ? "UNAUTHENTICATED"
                           : "PERMISSION_DENIED";
    Metrics::Instance().AuthRefused(code);
    // A flood of bad tokens must not fill the disk.
    static LogRateLimiter* const limiter = new LogRateLimiter(20, absl::Minutes(1));
    int64_t suppressed = 0;
    if (limiter->Allow(&suppressed)) {
      LogLine line("warn", "auth_refused");
      line.Add("code", code)
          .Add("peer", ctx.peer())
          .Add("reason", QuoteInput(detail.empty() ? std::string(principal.status().message()) : detail,
                                    240));
      if (suppressed > 0) line.Add("suppressed_since_last", suppressed);
      line.Write();
    }
  }
  return principal;
}

}  // namespace ent
