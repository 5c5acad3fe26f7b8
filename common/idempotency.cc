#include "common/idempotency.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ent {

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.empty()) {
    return InvalidField("request_id", "is required on every mutating request (e.g. a UUID)");
  }
  if (request_id.size() > 64) return InvalidField("request_id", "must be at most 64 characters");
  for (char c : request_id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
          c == ':' || c == '-')) {
      return InvalidField("request_id", "may contain only letters, digits and . _ : -");
    }
  }
  return absl::OkStatus();
}

std::string ScopedRequestKey(absl::string_view principal, absl::string_view request_id) {
  // A space never appears in a request id: the two parts cannot be confused.
  return absl::StrCat(principal, " ", request_id);
}

}  // namespace ent
