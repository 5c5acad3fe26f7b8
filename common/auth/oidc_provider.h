// One trusted OpenID Connect provider: verifies the JWT access tokens it
// issues against its published keys (JWKS).
//
// Keys are read lazily: on the first token, again every
// `jwks_refresh_seconds` (a failed read keeps the keys in hand), and when a
// token names an unknown key id — at most once per `jwks_min_refresh_seconds`,
// so that a stream of made-up key ids cannot make the service hammer the
// provider. A key removed by the provider is forgotten at the next read.
//
// Verification (RFC 9068 / RFC 8725): compact JWS only; `alg` in the
// allow-list (never `none` nor HMAC) and of the key's type; `kid` among the
// provider's signing keys; the signature (libcjose); `iss` equal to the
// issuer; one `aud` among the configured audiences; `exp` required and
// `nbf` honoured with the leeway; `sub` required.
//
// A token already verified is not verified again (its expiry is) until the
// keys are read again.
//
// Thread-safe. Verify may block on an HTTP read of the provider (bounded by
// 5 s); reads are serialised per provider and tokens with known keys never
// wait for them.
#ifndef ENT_COMMON_AUTH_OIDC_PROVIDER_H_
#define ENT_COMMON_AUTH_OIDC_PROVIDER_H_

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ent/auth/v1/principals.pb.h"

namespace ent {

// What a verified token says. Claims whose value is a string, a number or an
// array of strings are kept (numbers as decimal text); objects are not.
struct TokenClaims {
  std::string issuer;
  std::string subject;
  absl::Time expires;
  absl::Time not_before = absl::InfinitePast();
  std::string key_id;
  std::map<std::string, std::vector<std::string>> values;

  // Whether `claim` is `value` or an array holding it.
  bool Has(const std::string& claim, const std::string& value) const;
  // The claim's first value, or "".
  std::string First(const std::string& claim) const;
};

// The `iss` claim of a compact JWS, read without verifying anything; "" when
// `token` is not one. Only to choose which provider verifies it.
std::string UnverifiedIssuer(absl::string_view token);

class OidcProvider {
 public:
  // Reads a URL's body (an error for a status other than 200).
  using Fetch = std::function<absl::StatusOr<std::string>(const std::string& url)>;
  struct Dependencies {
    Fetch fetch;                          // libcurl when empty
    std::function<absl::Time()> now;      // absl::Now when empty (tokens live in real time)
  };

  // Checks the configuration (`where` names it in errors): issuer an https
  // URL (http only on loopback), at least one audience, known algorithms.
  static absl::StatusOr<std::unique_ptr<OidcProvider>> Create(
      const auth::v1::IdentityProvider& config, const std::string& where,
      Dependencies dependencies = {});
  ~OidcProvider();

  // The verified claims, or UNAUTHENTICATED with a reason meant for the
  // client (expired, wrong audience, key or signature not accepted…); `detail`
  // receives the reason meant for the log (which check, which value).
  absl::StatusOr<TokenClaims> Verify(absl::string_view token, std::string* detail);

  const auth::v1::IdentityProvider& config() const { return config_; }

  // Reads the keys now (tests; start-up warm-up). The number of keys read.
  absl::StatusOr<size_t> RefreshKeys();
  // How many times the keys were read successfully (tests, metrics).
  int64_t key_reads() const;

 private:
  struct KeySet;
  OidcProvider(auth::v1::IdentityProvider config, Dependencies dependencies);
  std::shared_ptr<const KeySet> Keys() const;
  absl::StatusOr<TokenClaims> VerifyUncached(absl::string_view token, std::string* detail);
  // exp and nbf against now, with the leeway.
  absl::StatusOr<TokenClaims> CheckTimes(TokenClaims claims, std::string* detail) const;
  absl::StatusOr<size_t> RefreshKeysLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(fetch_mu_);
  // Reads the keys again unless another thread just did or `min_interval`
  // has not passed since the last attempt.
  void MaybeRefresh(absl::Duration min_interval, const std::shared_ptr<const KeySet>& seen);

  const auth::v1::IdentityProvider config_;
  const Dependencies deps_;
  const absl::Duration leeway_, refresh_, min_refresh_;

  absl::Mutex fetch_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one read of the provider at a time
  std::string jwks_uri_ ABSL_GUARDED_BY(fetch_mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time last_attempt_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t key_reads_ ABSL_GUARDED_BY(mu_) = 0;
  // Tokens already verified with the keys in hand (SHA-256 of the token →
  // claims), so that a call's token is checked once however often it is
  // authenticated (the handler, the call log, a stream's re-check); emptied
  // when the keys are read again, bounded.
  absl::flat_hash_map<std::string, TokenClaims> verified_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ent

#endif  // ENT_COMMON_AUTH_OIDC_PROVIDER_H_
