#include "console/oidc_client.h"

#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/oidc_discovery.h"
#include "common/http/http_client.h"

namespace ent::console {
namespace {

HttpClient::Options HttpOptions(const OidcClientConfig& config) {
  HttpClient::Options o;
  o.ca_file = config.ca_file;
  o.timeout = absl::Seconds(5);
  return o;
}

std::string WithQuery(const std::string& url, const HttpFields& fields) {
  return absl::StrCat(url, absl::StrContains(url, "?") ? "&" : "?", FormEncode(fields));
}

}  // namespace

std::string PkceChallenge(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

absl::StatusOr<std::unique_ptr<OidcClient>> OidcClient::Create(OidcClientConfig config) {
  if (config.issuer.empty()) return absl::InvalidArgumentError("--oidc-issuer: is required");
  if (config.client_id.empty()) return absl::InvalidArgumentError("--oidc-client-id: is required");
  if (!IsSecureOrLoopbackUrl(config.issuer)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--oidc-issuer: must be an https URL (http only on loopback), got '", config.issuer, "'"));
  }
  return std::unique_ptr<OidcClient>(new OidcClient(std::move(config)));
}

absl::StatusOr<OidcClient::Endpoints> OidcClient::Discover() {
  absl::MutexLock lock(&mu_);
  if (endpoints_) return *endpoints_;
  auto provider = DiscoverProvider(config_.issuer, config_.ca_file);
  if (!provider.ok()) {
    return absl::UnavailableError(absl::StrCat("identity provider: ", provider.status().message()));
  }
  Endpoints e;
  e.authorization = provider->authorization_endpoint;
  e.token = provider->token_endpoint;
  e.end_session = provider->end_session_endpoint;
  e.revocation = provider->revocation_endpoint;
  e.jwks = provider->jwks_uri;
  if (e.authorization.empty()) {
    return absl::UnavailableError(absl::StrCat("identity provider: ", config_.issuer,
                                               " names no authorization_endpoint"));
  }
  auth::v1::IdentityProvider idp;
  idp.set_name("console-sign-in");
  idp.set_issuer(config_.issuer);
  idp.add_audiences(config_.client_id);
  idp.set_jwks_uri(e.jwks);
  OidcProvider::Dependencies deps;
  const std::string ca_file = config_.ca_file;
  deps.fetch = [ca_file](const std::string& u) -> absl::StatusOr<std::string> {
    HttpClient::Options o;
    o.ca_file = ca_file;
    HttpClient client(o);
    auto r = client.Get(u);
    if (!r.ok()) return r.status();
    if (r->status != 200) return absl::UnavailableError(absl::StrCat(u, " answered ", r->status));
    return r->body;
  };
  auto verifier = OidcProvider::Create(idp, "--oidc-issuer", std::move(deps));
  if (!verifier.ok()) return verifier.status();
  verifier_ = std::move(*verifier);
  endpoints_ = e;
  return e;
}

absl::StatusOr<std::string> OidcClient::AuthorizationUrl(const std::string& redirect_uri,
                                                         const std::string& state,
                                                         const std::string& nonce,
                                                         const std::string& verifier) {
  auto e = Discover();
  if (!e.ok()) return e.status();
  HttpFields q = {{"response_type", "code"},
                  {"client_id", config_.client_id},
                  {"redirect_uri", redirect_uri},
                  {"scope", config_.scope},
                  {"state", state},
                  {"nonce", nonce},
                  {"code_challenge", PkceChallenge(verifier)},
                  {"code_challenge_method", "S256"}};
  if (absl::StrContains(config_.scope, "offline_access")) q.push_back({"prompt", "consent"});
  if (!config_.resource.empty()) q.push_back({"resource", config_.resource});
  return WithQuery(e->authorization, q);
}

absl::StatusOr<Tokens> OidcClient::TokenRequest(HttpFields fields, const std::string* nonce) {
  auto e = Discover();
  if (!e.ok()) return e.status();
  fields.push_back({"client_id", config_.client_id});
  if (!config_.client_secret.empty()) fields.push_back({"client_secret", config_.client_secret});
  if (!config_.resource.empty()) fields.push_back({"resource", config_.resource});
  HttpClient http(HttpOptions(config_));
  auto resp = http.PostForm(e->token, fields);
  if (!resp.ok()) return absl::UnavailableError(absl::StrCat("identity provider: ", resp.status().message()));
  const auto doc = nlohmann::json::parse(resp->body, nullptr, false);
  if (resp->status != 200 || !doc.is_object()) {
    const std::string error = doc.is_object() ? doc.value("error", "") : "";
    const std::string description = doc.is_object() ? doc.value("error_description", "") : "";
    if (error == "invalid_grant") {
      return absl::UnauthenticatedError(absl::StrCat("the identity provider refused the grant (",
                                                     description, "): sign in again"));
    }
    return absl::UnavailableError(absl::StrCat("identity provider: token endpoint answered ",
                                               resp->status, " ", error, " ", description));
  }
  Tokens t;
  t.access_token = doc.value("access_token", "");
  t.refresh_token = doc.value("refresh_token", "");
  t.id_token = doc.value("id_token", "");
  const int64_t expires_in = doc.value("expires_in", static_cast<int64_t>(300));
  t.access_expires = absl::Now() + absl::Seconds(expires_in);
  if (t.access_token.empty()) {
    return absl::UnavailableError("identity provider: the token response has no access_token");
  }
  if (nonce != nullptr) {
    if (t.id_token.empty()) return absl::UnauthenticatedError("the identity provider sent no ID token");
    std::string detail;
    absl::StatusOr<TokenClaims> claims;
    {
      absl::MutexLock lock(&mu_);
      claims = verifier_->Verify(t.id_token, &detail);
    }
    if (!claims.ok()) {
      return absl::UnauthenticatedError(absl::StrCat("ID token refused: ", claims.status().message(),
                                                     detail.empty() ? "" : " (" + detail + ")"));
    }
    if (claims->First("nonce") != *nonce) {
      return absl::UnauthenticatedError("ID token refused: its nonce is not this sign-in's");
    }
    t.id_claims = std::move(*claims);
  }
  return t;
}

absl::StatusOr<Tokens> OidcClient::ExchangeCode(const std::string& code,
                                                const std::string& redirect_uri,
                                                const std::string& verifier,
                                                const std::string& nonce) {
  return TokenRequest({{"grant_type", "authorization_code"},
                       {"code", code},
                       {"redirect_uri", redirect_uri},
                       {"code_verifier", verifier}},
                      &nonce);
}

absl::StatusOr<Tokens> OidcClient::Refresh(const std::string& refresh_token) {
  if (refresh_token.empty()) return absl::UnauthenticatedError("no refresh token: sign in again");
  return TokenRequest({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}}, nullptr);
}

absl::StatusOr<std::string> OidcClient::EndSessionUrl(const std::string& id_token,
                                                      const std::string& post_logout_redirect_uri) {
  auto e = Discover();
  if (!e.ok()) return e.status();
  if (e->end_session.empty()) return std::string();
  HttpFields q = {{"client_id", config_.client_id},
                  {"post_logout_redirect_uri", post_logout_redirect_uri}};
  if (!id_token.empty()) q.push_back({"id_token_hint", id_token});
  return WithQuery(e->end_session, q);
}

void OidcClient::Revoke(const std::string& token) {
  if (token.empty()) return;
  auto e = Discover();
  if (!e.ok() || e->revocation.empty()) return;
  HttpFields fields = {{"token", token}, {"client_id", config_.client_id}};
  if (!config_.client_secret.empty()) fields.push_back({"client_secret", config_.client_secret});
  HttpClient http(HttpOptions(config_));
  (void)http.PostForm(e->revocation, fields);
}

}  // namespace ent::console
