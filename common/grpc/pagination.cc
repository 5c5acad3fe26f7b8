#include "common/grpc/pagination.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/resource_names.h"

namespace ent {

absl::StatusOr<int> ResolvePageSize(int requested) {
  if (requested < 0) return InvalidField("page_size", "must not be negative");
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

// A token is base64url of "<size of the query key>:<query key><position>":
// the size, not a separator, delimits the key, whatever bytes it holds.
std::string EncodePageToken(absl::string_view query_key, absl::string_view position) {
  return absl::WebSafeBase64Escape(absl::StrCat(query_key.size(), ":", query_key, position));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query_key) {
  if (token.empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return InvalidField("page_token", "is not a token returned by this method");
  }
  const size_t colon = raw.find(':');
  int64_t key_size = 0;
  if (colon == std::string::npos || colon > 18 ||
      !ParseCanonicalNumber(absl::string_view(raw).substr(0, colon), &key_size) ||
      static_cast<uint64_t>(key_size) > raw.size() - colon - 1) {
    return InvalidField("page_token", "is not a token returned by this method");
  }
  if (absl::string_view(raw).substr(colon + 1, static_cast<size_t>(key_size)) != query_key) {
    return InvalidField("page_token",
                        "was issued for a request with other filters; keep the filters unchanged "
                        "while paging");
  }
  return raw.substr(colon + 1 + static_cast<size_t>(key_size));
}

}  // namespace ent
