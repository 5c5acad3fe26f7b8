// Idempotent requests, the same way in both services (after Stripe): a
// mutating request carries a request_id; the first answer is stored under
// the id *of the principal that sent it* and replayed to a retry.
//
// Order, in every command: authenticate, authorise (role, then the resource
// in the command's transaction), and only then look the request id up. Ids are
// scoped per principal, so nobody learns whether another principal used an id,
// and a replay is authorised like a first attempt.
#ifndef ENT_COMMON_IDEMPOTENCY_H_
#define ENT_COMMON_IDEMPOTENCY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "common/field_violations.h"

namespace ent {

// Who asks, and the identity of the request for idempotency: what every
// mutating command of both services receives from its handler.
struct RequestContext {
  std::string request_id;   // validated by the command, before any work
  std::string fingerprint;  // of the request and its caller; same id + other fingerprint is refused
  Principal caller;         // authenticated; recorded in the history
  // The caller's deadline: its transaction is not started after it.
  absl::Time deadline = absl::InfiniteFuture();
  // Compute the answer and record nothing (AIP-163 validate_only): no request
  // log, no write; the request id may then be empty.
  bool validate_only = false;
};

// request_id: 1-64 characters of ASCII letters, digits and . _ : -
absl::Status ValidateRequestId(absl::string_view request_id);

// The key under which the answer to `request_id` from `principal` is stored.
std::string ScopedRequestKey(absl::string_view principal, absl::string_view request_id);

// Looks up a prior answer to (`principal`, `request_id`) with `find(key)`,
// which returns StatusOr<optional<Record>> (Record has a `fingerprint`):
// - under the scoped key: the record, or INVALID_ARGUMENT when the same
//   principal sent another request with that id;
// - under the bare id (rows written before ids were scoped): the record only
//   when its fingerprint matches (the fingerprint covers the caller's name).
template <typename Record, typename Find>
absl::StatusOr<std::optional<Record>> FindPriorRequest(Find&& find, absl::string_view principal,
                                                       const std::string& request_id,
                                                       const std::string& fingerprint) {
  absl::StatusOr<std::optional<Record>> scoped = find(ScopedRequestKey(principal, request_id));
  if (!scoped.ok() || *scoped) {
    if (scoped.ok() && (*scoped)->fingerprint != fingerprint) {
      return InvalidField("request_id",
                          "was already used by you for a different request; use a new id");
    }
    return scoped;
  }
  absl::StatusOr<std::optional<Record>> legacy = find(request_id);
  if (!legacy.ok()) return legacy;
  if (*legacy && (*legacy)->fingerprint == fingerprint) return legacy;
  return std::optional<Record>();
}

}  // namespace ent

#endif  // ENT_COMMON_IDEMPOTENCY_H_
