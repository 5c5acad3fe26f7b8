// The development OpenID provider (deploy/oidc-dev/provider.mjs, the npm
// package oidc-provider) started on loopback port 0 for a test, and what a
// user or a client does with it: client credentials, signing in on its web
// pages to approve a device code, rotating its keys.
#ifndef ENT_TESTS_SUPPORT_OIDC_DEV_PROVIDER_H_
#define ENT_TESTS_SUPPORT_OIDC_DEV_PROVIDER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent::testing {

// The audience of deploy/oidc-dev/users.json.
inline constexpr char kDevAudience[] = "https://ent-conventions.ac-montpellier.fr";

class OidcDevProvider {
 public:
  // Starts node on provider.mjs; FAILED_PRECONDITION when Node.js or the npm
  // package is missing (deploy/test.sh installs both).
  static absl::StatusOr<std::unique_ptr<OidcDevProvider>> Start();
  ~OidcDevProvider();  // SIGTERM

  const std::string& issuer() const { return issuer_; }

  // An identity_providers entry for the principals file, as deploy/config
  // documents it: the groups and client ids of users.json mapped to roles,
  // the siret claim to communes. `extra` is appended inside the entry.
  std::string PrincipalsEntry(const std::string& extra = "") const;

  // An access token for a confidential client (client credentials grant).
  absl::StatusOr<std::string> ClientCredentials(const std::string& client_id,
                                                const std::string& secret) const;

  // Plays the person at the browser: opens `verification_uri_complete`,
  // confirms the code, signs in as `login`/`password`.
  absl::Status ApproveDevice(const std::string& verification_uri_complete,
                             const std::string& login, const std::string& password) const;

  // Device flow end to end for the entctl client: the access token of `login`.
  absl::StatusOr<std::string> SignIn(const std::string& login, const std::string& password) const;

  // A new signing key (the old one stays published), or only the newest kept.
  absl::Status RotateKeys() const;
  absl::Status RetireOldKeys() const;

 private:
  OidcDevProvider() = default;
  // Forks node and waits for the line naming its issuer.
  absl::Status Launch(absl::Duration timeout);
  pid_t pid_ = -1;
  std::string issuer_;
  std::string log_path_;
};

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_OIDC_DEV_PROVIDER_H_
