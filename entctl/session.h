// entctl's sign-in: the OAuth 2.0 device authorization grant (RFC 8628)
// against the académie's OpenID provider, and the session it leaves in the
// user's config directory — the access and refresh tokens, mode 0600 —
// refreshed silently before it expires. Tokens are never printed.
#ifndef ENT_ENTCTL_SESSION_H_
#define ENT_ENTCTL_SESSION_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent::entctl {

struct Session {
  std::string issuer;
  std::string client_id;
  std::string token_endpoint;
  std::string revocation_endpoint;  // may be empty
  std::string access_token;
  std::string refresh_token;        // may be empty
  std::string ca_file;              // the provider's CA, when not the system's
  absl::Time expires = absl::InfinitePast();
};

// Where the session is kept: $ENTCTL_SESSION, else
// ${XDG_CONFIG_HOME:-$HOME/.config}/entctl/session.json.
std::string SessionPath();

// The session at `path`; nullopt when there is none.
absl::StatusOr<std::optional<Session>> LoadSession(const std::string& path);
// Writes it (directory 0700, file 0600, replaced atomically).
absl::Status SaveSession(const std::string& path, const Session& session);

struct LoginRequest {
  std::string issuer;
  std::string client_id = "entctl";
  std::string scope = "openid offline_access";
  std::string audience;  // the RFC 8707 `resource`, when the provider needs one
  std::string ca_file;   // the provider's CA, when not the system's
};

// Starts the grant, tells the user where to sign in (`tell`, with the URL
// and the code), polls until they did, refused, or the code expired.
absl::StatusOr<Session> DeviceLogin(const LoginRequest& request,
                                    const std::function<void(const std::string&)>& tell);

// A session whose access token is valid for at least `margin` more: the same
// one, or refreshed with its refresh token (and then saved to `path`).
// UNAUTHENTICATED "sign in again" when it cannot be refreshed.
absl::StatusOr<Session> FreshSession(const std::string& path, Session session,
                                     absl::Duration margin = absl::Seconds(60));

// Revokes the refresh token at the provider (best effort) and deletes the
// session file. OK when there was none.
absl::Status Logout(const std::string& path);

}  // namespace ent::entctl

#endif  // ENT_ENTCTL_SESSION_H_
