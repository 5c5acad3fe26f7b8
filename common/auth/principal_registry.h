// The principals allowed to call a service, loaded from a principals file
// (ent.auth.v1.PrincipalsFile in protobuf text format) and reloadable without
// a restart. Authenticates "authorization: Bearer <token>" values by
// comparing the token's SHA-256 with every known hash in constant time.
//
// Thread-safe: Authenticate runs concurrently with Reload, which swaps in a
// new snapshot atomically; a file that fails to load leaves the previous one.
#ifndef ENT_COMMON_AUTH_PRINCIPAL_REGISTRY_H_
#define ENT_COMMON_AUTH_PRINCIPAL_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/principal.h"

namespace ent {

class PrincipalRegistry {
 public:
  // Loads `path`; fails with a message naming the file and the bad entry.
  static absl::StatusOr<std::unique_ptr<PrincipalRegistry>> Load(std::string path);
  // Parses principals from text (for tests and the loader).
  static absl::StatusOr<std::unique_ptr<PrincipalRegistry>> FromText(absl::string_view text);

  // Reads the file again. On error the current principals stay in force.
  absl::Status Reload();

  // The principal for an authorization metadata value, or UNAUTHENTICATED
  // (missing, malformed, unknown or revoked token). Never logs the token.
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization) const;

  size_t size() const;

 private:
  struct Entry {
    std::string token_hash;  // 32 raw bytes
    Principal principal;
  };
  using Snapshot = std::vector<Entry>;
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Parse(absl::string_view text,
                                                               absl::string_view origin);

  std::string path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ent

#endif  // ENT_COMMON_AUTH_PRINCIPAL_REGISTRY_H_
