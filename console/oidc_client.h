// The console as an OpenID Connect relying party (authorization code flow
// with PKCE, RFC 7636): the provider's endpoints from its discovery document,
// the authorization URL, the code exchanged for tokens, the ID token verified
// (signature against the provider's keys, issuer, audience = the console's
// client id, expiry, nonce), tokens refreshed, RP-initiated logout.
//
// A public client (PKCE only) by default; with a client secret, a
// confidential one (client_secret_post). With `resource` set, every request
// asks for access tokens for that audience (RFC 8707), as the services expect.
//
// Thread-safe; calls block on HTTP (bounded by 5 s each).
#ifndef ENT_CONSOLE_OIDC_CLIENT_H_
#define ENT_CONSOLE_OIDC_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/oidc_provider.h"

namespace ent::console {

struct OidcClientConfig {
  std::string issuer;         // https (http only on loopback)
  std::string client_id;
  std::string client_secret;  // empty: a public client
  std::string scope = "openid profile email offline_access conventions";
  std::string resource;       // the services' audience
  std::string ca_file;        // trusted CAs for the provider; the system's when empty
};

struct Tokens {
  std::string access_token;
  std::string refresh_token;  // may be empty
  std::string id_token;       // may be empty after a refresh
  absl::Time access_expires;
  TokenClaims id_claims;      // of the verified ID token (sign-in only)
};

// S256 code challenge of `verifier`.
std::string PkceChallenge(const std::string& verifier);

class OidcClient {
 public:
  static absl::StatusOr<std::unique_ptr<OidcClient>> Create(OidcClientConfig config);

  // The provider's authorization URL for this sign-in.
  absl::StatusOr<std::string> AuthorizationUrl(const std::string& redirect_uri,
                                               const std::string& state, const std::string& nonce,
                                               const std::string& verifier);
  // The code exchanged at the token endpoint; the ID token verified and its
  // nonce checked against `nonce`.
  absl::StatusOr<Tokens> ExchangeCode(const std::string& code, const std::string& redirect_uri,
                                      const std::string& verifier, const std::string& nonce);
  // New tokens from a refresh token (UNAUTHENTICATED when the provider
  // refuses it: sign in again).
  absl::StatusOr<Tokens> Refresh(const std::string& refresh_token);
  // Where to send the browser to end the provider's session too; empty when
  // the provider has no end-session endpoint.
  absl::StatusOr<std::string> EndSessionUrl(const std::string& id_token,
                                            const std::string& post_logout_redirect_uri);
  // Revokes a refresh token (best effort: errors are ignored).
  void Revoke(const std::string& token);

  const OidcClientConfig& config() const { return config_; }

 private:
  struct Endpoints {
    std::string authorization;
    std::string token;
    std::string end_session;
    std::string revocation;
    std::string jwks;
  };
  explicit OidcClient(OidcClientConfig config) : config_(std::move(config)) {}
  // Reads the discovery document once (again after a failure).
  absl::StatusOr<Endpoints> Discover();
  absl::StatusOr<Tokens> TokenRequest(std::vector<std::pair<std::string, std::string>> fields,
                                      const std::string* nonce);

  const OidcClientConfig config_;
  absl::Mutex mu_;
  std::optional<Endpoints> endpoints_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<OidcProvider> verifier_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ent::console

#endif  // ENT_CONSOLE_OIDC_CLIENT_H_
