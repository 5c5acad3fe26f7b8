// What every OpenID relying party of the project needs first: whether a URL
// may name a provider (https, or http on a loopback host for development),
// and the provider's metadata from its discovery document (OpenID Connect
// Discovery 1.0), checked to describe the issuer asked for. Used by entctl
// (device flow) and ent-console (authorization code flow). Thread-safe.
#ifndef ENT_COMMON_AUTH_OIDC_DISCOVERY_H_
#define ENT_COMMON_AUTH_OIDC_DISCOVERY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ent {

// https://…, or http:// whose host is exactly 127.0.0.1, localhost or [::1]
// ("http://127.0.0.1.example.org" is not loopback).
bool IsSecureOrLoopbackUrl(absl::string_view url);

struct OidcMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string device_authorization_endpoint;  // may be empty
  std::string end_session_endpoint;           // may be empty
  std::string revocation_endpoint;            // may be empty
  std::string jwks_uri;
};

// Reads `issuer`/.well-known/openid-configuration (libcurl, 5 s, CAs of
// `ca_file` or the system's). UNAVAILABLE when it cannot be read;
// FAILED_PRECONDITION when it describes another issuer or lacks the token
// endpoint or the keys, or names an endpoint that is neither https nor loopback.
absl::StatusOr<OidcMetadata> DiscoverProvider(const std::string& issuer, const std::string& ca_file);

}  // namespace ent

#endif  // ENT_COMMON_AUTH_OIDC_DISCOVERY_H_
