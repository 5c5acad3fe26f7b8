// Resource names of both services, parsed strictly: one spelling per resource
// (no sign, space or leading zero in a number, no trailing segment), at most
// kMaxNameBytes bytes. Errors are INVALID_ARGUMENT naming the field, and quote
// at most a short, escaped prefix of what was sent (QuoteInput), so an error
// never echoes a large or hostile input back.
#ifndef ENT_COMMON_RESOURCE_NAMES_H_
#define ENT_COMMON_RESOURCE_NAMES_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ent {

// The documented bound of every resource name.
inline constexpr size_t kMaxNameBytes = 200;

// `input` quoted for an error message or a log line: single quotes around at
// most `max_bytes` bytes of it, control characters, quotes, backslashes and
// bytes that are not UTF-8 escaped as \xNN (so the result is valid UTF-8 on
// one line), and " (N bytes)" after an ellipsis when it was cut.
std::string QuoteInput(absl::string_view input, size_t max_bytes = 48);

// A non-negative decimal number written the one canonical way: digits only,
// no sign, space or leading zero, at most 18 digits.
bool ParseCanonicalNumber(absl::string_view digits, int64_t* out);

// INVALID_ARGUMENT under `field` when `name` is over kMaxNameBytes.
absl::Status CheckNameLength(absl::string_view name, const std::string& field);

// A convention id: 1-63 characters of a-z, 0-9 and '-', not starting with '-'.
bool IsConventionId(absl::string_view id);

// conventions/{convention} → the convention id.
absl::StatusOr<std::string> ParseConventionName(absl::string_view name, const std::string& field);

// conventions/{convention}/disputes/{number} → (convention id, number ≥ 1).
absl::StatusOr<std::pair<std::string, int64_t>> ParseDisputeName(absl::string_view name,
                                                                 const std::string& field);

// timers/{id} → id ≥ 1.
absl::StatusOr<int64_t> ParseTimerName(absl::string_view name, const std::string& field);

// titres/{YYYY-NNNNNN} → (year, sequence ≥ 1); the number is written as the
// service writes it (four-digit year, sequence zero-padded to six digits).
absl::StatusOr<std::pair<int, int64_t>> ParseTitreName(absl::string_view name,
                                                       const std::string& field);
// The number part alone (YYYY-NNNNNN); false unless written canonically.
bool ParseTitreNumber(absl::string_view number, int* year, int64_t* sequence);
std::string FormatTitreNumber(int year, int64_t sequence);

}  // namespace ent

#endif  // ENT_COMMON_RESOURCE_NAMES_H_
