// AIP-158 pagination helpers shared by the services' List methods.
#ifndef ENT_COMMON_GRPC_PAGINATION_H_
#define ENT_COMMON_GRPC_PAGINATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ent {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// 0 → default; negative → INVALID_ARGUMENT on page_size; above the maximum → maximum.
absl::StatusOr<int> ResolvePageSize(int requested);

// An opaque token carrying the position after which the next page starts,
// bound to the query it came from (`query_key`: the request's filters).
std::string EncodePageToken(absl::string_view query_key, absl::string_view position);

// The position in `token`; INVALID_ARGUMENT on page_token when the token is
// malformed or was issued for another query. Empty token → empty position.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query_key);

// For a page fetched with `limit` + 1 items: drops the extra one and says
// whether more items follow.
template <typename T>
bool TrimPage(std::vector<T>& page, int limit) {
  const bool more = static_cast<int>(page.size()) > limit;
  if (more) page.resize(static_cast<size_t>(limit));
  return more;
}

}  // namespace ent

#endif  // ENT_COMMON_GRPC_PAGINATION_H_
