#include "common/grpc/pagination.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/field_violations.h"

namespace ent {

absl::StatusOr<int> ResolvePageSize(int requested) {
  if (requested < 0) return InvalidField("page_size", "must not be negative");
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

std::string EncodePageToken(absl::string_view query_key, absl::string_view position) {
  return absl::WebSafeBase64Escape(absl::StrCat(query_key, "\n", position));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query_key) {
  if (token.empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return InvalidField("page_token", "is not a token returned by this method");
  }
  const size_t newline = raw.find('\n');
  if (newline == std::string::npos) {
    return InvalidField("page_token", "is not a token returned by this method");
  }
  if (absl::string_view(raw).substr(0, newline) != query_key) {
    return InvalidField("page_token",
                        "was issued for a request with other filters; keep the filters unchanged "
                        "while paging");
  }
  return raw.substr(newline + 1);
}

}  // namespace ent
