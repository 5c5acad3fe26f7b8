// The callers allowed into a service, loaded from a principals file
// (ent.auth.v1.PrincipalsFile in protobuf text format) and reloadable without
// a restart:
// - services with a static bearer token ("authorization: Bearer <token>",
//   compared by SHA-256 in constant time) or a client certificate;
// - people and clients of the OpenID Connect providers it names, with a JWT
//   access token (OidcProvider verifies it) whose claims give the role and,
//   for communes, the communes;
// - a commune portal forwarding its user's token
//   ("x-ent-user-authorization: Bearer <jwt>" beside its own credentials):
//   the user, limited to the communes both may act for.
//
// Thread-safe: Authenticate runs concurrently with Reload, which swaps in a
// new snapshot atomically; a file that fails to load leaves the previous one.
#ifndef ENT_COMMON_AUTH_PRINCIPAL_DIRECTORY_H_
#define ENT_COMMON_AUTH_PRINCIPAL_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/oidc_provider.h"
#include "common/auth/principal.h"

namespace ent {

class CommuneRegistry;

// What a call presented.
struct CallCredentials {
  std::string authorization;          // the "authorization" metadata value
  std::string user_authorization;     // "x-ent-user-authorization", forwarded by a portal
  // The verified client certificate's names: "subject:<RFC 2253 subject>",
  // then its SANs as "DNS:…", "URI:…", "email:…", "IP:…". Empty without one.
  std::vector<std::string> certificate_names;
};

struct PrincipalDirectoryOptions {
  // Maps a SIRET claim to its commune; required when a provider sets
  // siret_claim. Must outlive the registry.
  const CommuneRegistry* communes = nullptr;
  OidcProvider::Dependencies oidc;  // tests inject a clock or HTTP reads
};

class PrincipalDirectory {
 public:
  using Options = PrincipalDirectoryOptions;

  // Loads `path`; fails with a message naming the file and the bad entry.
  static absl::StatusOr<std::unique_ptr<PrincipalDirectory>> Load(std::string path,
                                                                 Options options = {});
  // Parses principals from text (for tests and the loader).
  static absl::StatusOr<std::unique_ptr<PrincipalDirectory>> FromText(absl::string_view text,
                                                                     Options options = {});

  // Reads the file again. On error the current principals stay in force.
  absl::Status Reload();

  // The principal for what a call presented, or UNAUTHENTICATED (missing,
  // malformed, unknown, revoked, expired token; unknown certificate) with a
  // reason for the client, or PERMISSION_DENIED (a token's person has no
  // role here or acts for no commune). `detail`, when given, receives the
  // reason meant for the log. Never logs nor returns a token.
  absl::StatusOr<Principal> Authenticate(const CallCredentials& credentials,
                                         std::string* detail = nullptr) const;
  // The same, for an authorization metadata value alone.
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization) const;

  size_t size() const;
  // The providers in force (their key reads, for metrics and tests).
  std::vector<std::shared_ptr<OidcProvider>> providers() const;

 private:
  struct Entry {
    std::string token_hash;  // 32 raw bytes, or empty for certificates only
    std::vector<std::string> certificates;
    Principal principal;
  };
  struct Snapshot {
    std::vector<Entry> entries;
    std::vector<std::shared_ptr<OidcProvider>> providers;
  };
  explicit PrincipalDirectory(Options options) : options_(std::move(options)) {}
  absl::StatusOr<std::shared_ptr<const Snapshot>> Parse(absl::string_view text,
                                                        absl::string_view origin) const;
  std::shared_ptr<const Snapshot> Current() const;
  absl::StatusOr<Principal> FromBearer(const Snapshot& snapshot, absl::string_view authorization,
                                       bool tokens_only, std::string* detail) const;
  absl::StatusOr<Principal> FromClaims(const OidcProvider& provider, const TokenClaims& claims,
                                       std::string* detail) const;

  const Options options_;
  std::string path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ent

#endif  // ENT_COMMON_AUTH_PRINCIPAL_DIRECTORY_H_
