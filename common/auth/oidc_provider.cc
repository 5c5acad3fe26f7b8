#include "common/auth/oidc_provider.h"

#include "common/auth/oidc_discovery.h"

#include <cjose/cjose.h>
#include <jansson.h>
#include <openssl/sha.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/http/http_client.h"
#include "common/log_sink.h"

namespace ent {
namespace {

constexpr size_t kMaxTokenBytes = 16 * 1024;
constexpr size_t kMaxKeys = 100;
constexpr size_t kMaxVerified = 10000;

struct JsonDeleter {
  void operator()(json_t* j) const { json_decref(j); }
};
using Json = std::unique_ptr<json_t, JsonDeleter>;

struct JwsDeleter {
  void operator()(cjose_jws_t* j) const { cjose_jws_release(j); }
};
using Jws = std::unique_ptr<cjose_jws_t, JwsDeleter>;

Json ParseJson(absl::string_view text) {
  json_error_t error;
  return Json(json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES, &error));
}

std::string StringField(const json_t* object, const char* name) {
  const json_t* v = json_object_get(object, name);
  return json_is_string(v) ? json_string_value(v) : "";
}

// The family of key an algorithm needs, or null for one never accepted.
const char* KeyTypeFor(absl::string_view alg) {
  if (alg == "RS256" || alg == "RS384" || alg == "RS512" || alg == "PS256" || alg == "PS384" ||
      alg == "PS512") {
    return "RSA";
  }
  if (alg == "ES256" || alg == "ES384" || alg == "ES512") return "EC";
  return nullptr;  // none, HS*, anything else
}


absl::StatusOr<std::string> CurlFetch(const std::string& url) {
  HttpClient client;
  auto response = client.Get(url, {{"Accept", "application/json"}});
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return absl::UnavailableError(absl::StrCat(url, " answered HTTP ", response->status));
  }
  return std::move(response->body);
}

absl::Status Refused(std::string* detail, std::string for_log, absl::string_view for_client) {
  if (detail != nullptr) *detail = std::move(for_log);
  return absl::UnauthenticatedError(for_client);
}

}  // namespace

struct OidcProvider::KeySet {
  struct Key {
    std::string kid;
    std::string kty;  // "RSA", "EC"
    std::string alg;  // as published, may be empty
    cjose_jwk_t* jwk = nullptr;
  };
  std::vector<Key> keys;
  absl::Time read_at = absl::InfinitePast();
  ~KeySet() {
    for (Key& k : keys) cjose_jwk_release(k.jwk);
  }
  const Key* Find(absl::string_view kid) const {
    for (const Key& k : keys) {
      if (k.kid == kid) return &k;
    }
    return nullptr;
  }
};

bool TokenClaims::Has(const std::string& claim, const std::string& value) const {
  auto it = values.find(claim);
  if (it == values.end()) return false;
  for (const std::string& v : it->second) {
    if (v == value) return true;
  }
  return false;
}

std::string TokenClaims::First(const std::string& claim) const {
  auto it = values.find(claim);
  return it == values.end() || it->second.empty() ? "" : it->second.front();
}

std::string UnverifiedIssuer(absl::string_view token) {
  if (token.size() > kMaxTokenBytes) return "";
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return "";
  std::string payload;
  if (!absl::WebSafeBase64Unescape(parts[1], &payload)) return "";
  Json json = ParseJson(payload);
  return json ? StringField(json.get(), "iss") : "";
}

OidcProvider::OidcProvider(auth::v1::IdentityProvider config, Dependencies dependencies)
    : config_(std::move(config)),
      deps_(std::move(dependencies)),
      leeway_(absl::Seconds(config_.leeway_seconds() == 0 ? 60 : config_.leeway_seconds())),
      refresh_(absl::Seconds(config_.jwks_refresh_seconds() == 0 ? 3600
                                                                 : config_.jwks_refresh_seconds())),
      min_refresh_(absl::Seconds(
          config_.jwks_min_refresh_seconds() == 0 ? 30 : config_.jwks_min_refresh_seconds())) {}

OidcProvider::~OidcProvider() = default;

absl::StatusOr<std::unique_ptr<OidcProvider>> OidcProvider::Create(
    const auth::v1::IdentityProvider& config, const std::string& where,
    Dependencies dependencies) {
  auto bad = [&](absl::string_view field, absl::string_view rule) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", field, " ", rule));
  };
  if (config.name().empty() || config.name().size() > 40 ||
      config.name().find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
          std::string::npos) {
    return bad("name", "must be 1-40 characters among a-z, 0-9, '-', '_', '.'");
  }
  auto url_ok = [](absl::string_view url) {
    return IsSecureOrLoopbackUrl(url);
  };
  if (!url_ok(config.issuer())) {
    return bad("issuer", "must be an https URL (http only on loopback, for development)");
  }
  if (!config.jwks_uri().empty() && !url_ok(config.jwks_uri())) {
    return bad("jwks_uri", "must be an https URL (http only on loopback, for development)");
  }
  if (config.audiences_size() == 0) return bad("audiences", "needs at least one value");
  for (const std::string& a : config.audiences()) {
    if (a.empty()) return bad("audiences", "may not hold an empty value");
  }
  for (const std::string& alg : config.algorithms()) {
    if (KeyTypeFor(alg) == nullptr) {
      return bad("algorithms", absl::StrCat("'", alg,
                                            "' is not accepted (RS256…RS512, PS256…PS512, "
                                            "ES256…ES512; never none nor HMAC)"));
    }
  }
  if (config.leeway_seconds() < 0 || config.leeway_seconds() > 300) {
    return bad("leeway_seconds", "must be 0-300");
  }
  if (config.jwks_refresh_seconds() < 0 || config.jwks_min_refresh_seconds() < 0) {
    return bad("jwks_refresh_seconds", "and jwks_min_refresh_seconds may not be negative");
  }
  for (int i = 0; i < config.roles_size(); ++i) {
    const auto& r = config.roles(i);
    if (r.claim().empty() || r.value().empty() || r.role() == auth::v1::ROLE_UNSPECIFIED ||
        !auth::v1::Role_IsValid(r.role())) {
      return bad(absl::StrCat("roles[", i, "]"), "needs a claim, a value and a role");
    }
  }
  if (!dependencies.fetch) dependencies.fetch = &CurlFetch;
  if (!dependencies.now) dependencies.now = [] { return absl::Now(); };
  return std::unique_ptr<OidcProvider>(new OidcProvider(config, std::move(dependencies)));
}

std::shared_ptr<const OidcProvider::KeySet> OidcProvider::Keys() const {
  absl::MutexLock lock(&mu_);
  return keys_;
}

int64_t OidcProvider::key_reads() const {
  absl::MutexLock lock(&mu_);
  return key_reads_;
}

absl::StatusOr<size_t> OidcProvider::RefreshKeys() {
  absl::MutexLock fetch(&fetch_mu_);
  return RefreshKeysLocked();
}

absl::StatusOr<size_t> OidcProvider::RefreshKeysLocked() {
  {
    absl::MutexLock lock(&mu_);
    last_attempt_ = deps_.now();
  }
  if (jwks_uri_.empty()) {
    if (!config_.jwks_uri().empty()) {
      jwks_uri_ = config_.jwks_uri();
    } else {
      const std::string discovery =
          absl::StrCat(absl::StripSuffix(config_.issuer(), "/"), "/.well-known/openid-configuration");
      auto body = deps_.fetch(discovery);
      if (!body.ok()) return body.status();
      Json doc = ParseJson(*body);
      if (!doc || !json_is_object(doc.get())) {
        return absl::UnavailableError(absl::StrCat(discovery, ": not a JSON object"));
      }
      if (StringField(doc.get(), "issuer") != config_.issuer()) {
        return absl::FailedPreconditionError(
            absl::StrCat(discovery, ": its issuer '", StringField(doc.get(), "issuer"),
                         "' is not the configured '", config_.issuer(), "'"));
      }
      const std::string uri = StringField(doc.get(), "jwks_uri");
      if (!IsSecureOrLoopbackUrl(uri)) {
        return absl::FailedPreconditionError(
            absl::StrCat(discovery, ": jwks_uri '", uri, "' is not an https URL"));
      }
      jwks_uri_ = uri;
    }
  }
  auto body = deps_.fetch(jwks_uri_);
  if (!body.ok()) return body.status();
  Json doc = ParseJson(*body);
  const json_t* list = doc ? json_object_get(doc.get(), "keys") : nullptr;
  if (!json_is_array(list)) {
    return absl::UnavailableError(absl::StrCat(jwks_uri_, ": not a JWK set"));
  }
  auto set = std::make_shared<KeySet>();
  for (size_t i = 0; i < json_array_size(list) && set->keys.size() < kMaxKeys; ++i) {
    json_t* entry = json_array_get(list, i);
    const std::string use = StringField(entry, "use");
    const std::string kty = StringField(entry, "kty");
    if (!use.empty() && use != "sig") continue;  // encryption keys
    if (kty != "RSA" && kty != "EC") continue;   // never a symmetric key
    cjose_err err{};
    cjose_jwk_t* jwk = cjose_jwk_import_json(entry, &err);
    if (jwk == nullptr) {
      LogLine("warn", "oidc_key_skipped")
          .Add("provider", config_.name())
          .Add("kid", StringField(entry, "kid"))
          .Add("error", err.message != nullptr ? err.message : "unreadable key")
          .Write();
      continue;
    }
    set->keys.push_back({StringField(entry, "kid"), kty, StringField(entry, "alg"), jwk});
  }
  set->read_at = deps_.now();
  const size_t n = set->keys.size();
  absl::MutexLock lock(&mu_);
  keys_ = std::move(set);
  verified_.clear();
  ++key_reads_;
  return n;
}

void OidcProvider::MaybeRefresh(absl::Duration min_interval,
                                const std::shared_ptr<const KeySet>& seen) {
  absl::MutexLock fetch(&fetch_mu_);  // waits for a read under way
  {
    absl::MutexLock lock(&mu_);
    if (keys_ != seen) return;  // another thread read them meanwhile
    if (deps_.now() - last_attempt_ < min_interval) return;
  }
  auto read = RefreshKeysLocked();
  if (!read.ok()) {
    LogLine("warn", "oidc_keys_unreadable")
        .Add("provider", config_.name())
        .Add("error", read.status().ToString())
        .Write();
  }
}

absl::StatusOr<TokenClaims> OidcProvider::Verify(absl::string_view token, std::string* detail) {
  if (token.size() > kMaxTokenBytes) {
    return Refused(detail, absl::StrCat("token of ", token.size(), " bytes"), "malformed token");
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  const std::string hash(reinterpret_cast<const char*>(digest), sizeof(digest));
  std::optional<TokenClaims> known;
  {
    absl::MutexLock lock(&mu_);
    auto it = verified_.find(hash);
    if (it != verified_.end() && deps_.now() - keys_->read_at <= refresh_) known = it->second;
  }
  if (known) return CheckTimes(std::move(*known), detail);
  auto claims = VerifyUncached(token, detail);
  if (!claims.ok()) return claims.status();
  absl::MutexLock lock(&mu_);
  if (verified_.size() >= kMaxVerified) verified_.clear();
  verified_.emplace(hash, *claims);
  return claims;
}

absl::StatusOr<TokenClaims> OidcProvider::CheckTimes(TokenClaims claims,
                                                     std::string* detail) const {
  const absl::Time now = deps_.now();
  if (now > claims.expires + leeway_) {
    return Refused(detail, absl::StrCat("expired at ", absl::FormatTime(claims.expires)),
                   absl::StrCat("token expired at ",
                                absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", claims.expires,
                                                 absl::UTCTimeZone()),
                                ": sign in again"));
  }
  if (now + leeway_ < claims.not_before) {
    return Refused(detail, absl::StrCat("not before ", absl::FormatTime(claims.not_before)),
                   "token not valid yet: check this machine's clock");
  }
  return claims;
}

absl::StatusOr<TokenClaims> OidcProvider::VerifyUncached(absl::string_view token,
                                                         std::string* detail) {
  cjose_err err{};
  Jws jws(cjose_jws_import(token.data(), token.size(), &err));
  if (!jws) return Refused(detail, "not a compact JWS", "malformed token");
  json_t* header = reinterpret_cast<json_t*>(cjose_jws_get_protected(jws.get()));
  const std::string alg = StringField(header, CJOSE_HDR_ALG);
  const std::string kid = StringField(header, CJOSE_HDR_KID);
  const char* kty = KeyTypeFor(alg);
  bool allowed = kty != nullptr;
  if (allowed && config_.algorithms_size() > 0) {
    allowed = std::find(config_.algorithms().begin(), config_.algorithms().end(), alg) !=
              config_.algorithms().end();
  } else if (allowed) {
    allowed = alg == "RS256" || alg == "PS256" || alg == "ES256";
  }
  if (!allowed) {
    return Refused(detail, absl::StrCat("algorithm '", alg, "' not accepted"),
                   "token signature not accepted");
  }

  std::shared_ptr<const KeySet> keys = Keys();
  if (!keys || deps_.now() - keys->read_at > refresh_) {
    MaybeRefresh(min_refresh_, keys);  // a failed read keeps the keys in hand
    keys = Keys();
  }
  const KeySet::Key* key = keys ? keys->Find(kid) : nullptr;
  if (key == nullptr) {
    MaybeRefresh(min_refresh_, keys);
    keys = Keys();
    key = keys ? keys->Find(kid) : nullptr;
  }
  if (key == nullptr) {
    return Refused(detail,
                   keys ? absl::StrCat("unknown key id '", kid, "'")
                        : "the provider's keys could not be read",
                   keys ? "token signed with a key this service does not know"
                        : "the identity provider cannot be reached to check the token");
  }
  if (key->kty != kty || (!key->alg.empty() && key->alg != alg)) {
    return Refused(detail,
                   absl::StrCat("algorithm '", alg, "' does not fit key '", kid, "' (", key->kty,
                                key->alg.empty() ? "" : " ", key->alg, ")"),
                   "token signature not accepted");
  }
  if (!cjose_jws_verify(jws.get(), key->jwk, &err)) {
    return Refused(detail, absl::StrCat("bad signature for key '", kid, "'"),
                   "token signature not accepted");
  }

  uint8_t* plaintext = nullptr;
  size_t length = 0;
  if (!cjose_jws_get_plaintext(jws.get(), &plaintext, &length, &err)) {
    return Refused(detail, "no payload", "malformed token");
  }
  Json payload = ParseJson(absl::string_view(reinterpret_cast<const char*>(plaintext), length));
  if (!payload || !json_is_object(payload.get())) {
    return Refused(detail, "payload is not a JSON object", "malformed token");
  }
  TokenClaims claims;
  claims.key_id = kid;
  const char* name;
  json_t* value;
  json_object_foreach(payload.get(), name, value) {
    std::vector<std::string>& out = claims.values[name];
    if (json_is_string(value)) {
      out.push_back(json_string_value(value));
    } else if (json_is_integer(value)) {
      out.push_back(absl::StrCat(json_integer_value(value)));
    } else if (json_is_array(value)) {
      size_t i;
      json_t* item;
      json_array_foreach(value, i, item) {
        if (json_is_string(item)) out.push_back(json_string_value(item));
      }
    }
  }
  claims.issuer = StringField(payload.get(), "iss");
  claims.subject = StringField(payload.get(), "sub");
  if (claims.issuer != config_.issuer()) {
    return Refused(detail, absl::StrCat("iss '", claims.issuer, "'"),
                   "token issuer is not trusted by this service");
  }
  bool audience = false;
  for (const std::string& a : config_.audiences()) audience = audience || claims.Has("aud", a);
  if (!audience) {
    return Refused(detail,
                   absl::StrCat("aud '", absl::StrJoin(claims.values["aud"], "', '"), "'"),
                   absl::StrCat("token is meant for another audience (this service accepts '",
                                absl::StrJoin(config_.audiences(), "', '"), "')"));
  }
  const json_t* exp = json_object_get(payload.get(), "exp");
  if (!json_is_number(exp)) return Refused(detail, "no exp", "token has no expiry (exp)");
  claims.expires = absl::FromUnixSeconds(static_cast<int64_t>(json_number_value(exp)));
  const json_t* nbf = json_object_get(payload.get(), "nbf");
  if (nbf != nullptr) {
    if (!json_is_number(nbf)) return Refused(detail, "nbf not a number", "malformed token");
    claims.not_before = absl::FromUnixSeconds(static_cast<int64_t>(json_number_value(nbf)));
  }
  if (claims.subject.empty()) return Refused(detail, "no sub", "token names no subject (sub)");
  return CheckTimes(std::move(claims), detail);
}

}  // namespace ent
