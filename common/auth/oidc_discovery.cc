#include "common/auth/oidc_discovery.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/http/http_client.h"

namespace ent {

bool IsSecureOrLoopbackUrl(absl::string_view url) {
  if (absl::StartsWith(url, "https://")) return url.size() > 8;
  if (!absl::ConsumePrefix(&url, "http://")) return false;
  const size_t end = url.find_first_of("/?#");
  absl::string_view authority = url.substr(0, end);
  if (authority.find('@') != absl::string_view::npos) return false;  // no user info
  absl::string_view host = authority;
  if (absl::StartsWith(authority, "[")) {
    host = authority.substr(0, authority.find(']') + 1);
  } else if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
  }
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

absl::StatusOr<OidcMetadata> DiscoverProvider(const std::string& issuer, const std::string& ca_file) {
  if (!IsSecureOrLoopbackUrl(issuer)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the issuer must be an https URL (http only on loopback), got '", issuer, "'"));
  }
  HttpClient::Options options;
  options.ca_file = ca_file;
  HttpClient http(options);
  const std::string url =
      absl::StrCat(absl::StripSuffix(issuer, "/"), "/.well-known/openid-configuration");
  auto resp = http.Get(url);
  if (!resp.ok()) return absl::UnavailableError(resp.status().message());
  if (resp->status != 200) {
    return absl::UnavailableError(absl::StrCat(url, " answered HTTP ", resp->status));
  }
  const nlohmann::json doc = nlohmann::json::parse(resp->body, nullptr, false);
  if (!doc.is_object() || !doc.contains("issuer") || !doc["issuer"].is_string() ||
      doc["issuer"].get<std::string>() != issuer) {
    return absl::FailedPreconditionError(
        absl::StrCat(url, " does not describe the issuer ", issuer));
  }
  auto text = [&doc](const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  OidcMetadata m;
  m.issuer = issuer;
  m.authorization_endpoint = text("authorization_endpoint");
  m.token_endpoint = text("token_endpoint");
  m.device_authorization_endpoint = text("device_authorization_endpoint");
  m.end_session_endpoint = text("end_session_endpoint");
  m.revocation_endpoint = text("revocation_endpoint");
  m.jwks_uri = text("jwks_uri");
  if (m.token_endpoint.empty() || m.jwks_uri.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(url, " names no token_endpoint or jwks_uri"));
  }
  for (const std::string* endpoint :
       {&m.authorization_endpoint, &m.token_endpoint, &m.device_authorization_endpoint,
        &m.end_session_endpoint, &m.revocation_endpoint, &m.jwks_uri}) {
    if (!endpoint->empty() && !IsSecureOrLoopbackUrl(*endpoint)) {
      return absl::FailedPreconditionError(
          absl::StrCat(url, " names an endpoint that is neither https nor loopback: ", *endpoint));
    }
  }
  return m;
}

}  // namespace ent
