#include "common/resource_names.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/field_violations.h"

namespace ent {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0.
size_t Utf8Length(absl::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  uint32_t cp = 0;
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) {
    n = 2;
    cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3;
    cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4;
    cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    return 0;
  }
  return n;
}

absl::Status BadName(absl::string_view name, const std::string& field, absl::string_view form) {
  if (name.empty()) return InvalidField(field, absl::StrCat("is required: ", form));
  return InvalidField(field, absl::StrCat("must be ", form, ", got ", QuoteInput(name)));
}

}  // namespace

std::string QuoteInput(absl::string_view input, size_t max_bytes) {
  std::string out = "'";
  size_t i = 0;
  while (i < input.size() && i < max_bytes) {
    const size_t n = Utf8Length(input, i);
    const auto b = static_cast<unsigned char>(input[i]);
    if (n == 0 || b < 0x20 || b == 0x7F || b == '\'' || b == '\\') {
      absl::StrAppendFormat(&out, "\\x%02x", b);
      ++i;
    } else if (i + n > max_bytes) {
      break;  // never cut a character in two
    } else {
      out.append(input.data() + i, n);
      i += n;
    }
  }
  out += "'";
  if (i < input.size()) absl::StrAppend(&out, "... (", input.size(), " bytes)");
  return out;
}

bool ParseCanonicalNumber(absl::string_view digits, int64_t* out) {
  if (digits.empty() || digits.size() > 18 || (digits.size() > 1 && digits[0] == '0')) {
    return false;
  }
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

absl::Status CheckNameLength(absl::string_view name, const std::string& field) {
  if (name.size() <= kMaxNameBytes) return absl::OkStatus();
  return InvalidField(field, absl::StrCat("must be at most ", kMaxNameBytes, " bytes, got ",
                                          name.size(), " bytes"));
}

bool IsConventionId(absl::string_view id) {
  if (id.empty() || id.size() > 63 || id[0] == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<std::string> ParseConventionName(absl::string_view name, const std::string& field) {
  if (auto st = CheckNameLength(name, field); !st.ok()) return st;
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "conventions/") || !IsConventionId(id)) {
    return BadName(name, field, "conventions/{convention}, e.g. conventions/30227-2021");
  }
  return std::string(id);
}

absl::StatusOr<std::pair<std::string, int64_t>> ParseDisputeName(absl::string_view name,
                                                                 const std::string& field) {
  if (auto st = CheckNameLength(name, field); !st.ok()) return st;
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  int64_t number = 0;
  if (parts.size() != 4 || parts[0] != "conventions" || !IsConventionId(parts[1]) ||
      parts[2] != "disputes" || !ParseCanonicalNumber(parts[3], &number) || number < 1) {
    return BadName(name, field,
                   "conventions/{convention}/disputes/{number}, e.g. conventions/30227-2021/disputes/1");
  }
  return std::make_pair(std::string(parts[1]), number);
}

absl::StatusOr<int64_t> ParseTimerName(absl::string_view name, const std::string& field) {
  if (auto st = CheckNameLength(name, field); !st.ok()) return st;
  absl::string_view digits = name;
  int64_t id = 0;
  if (!absl::ConsumePrefix(&digits, "timers/") || !ParseCanonicalNumber(digits, &id) || id < 1) {
    return BadName(name, field, "timers/{id}, e.g. timers/42");
  }
  return id;
}

bool ParseTitreNumber(absl::string_view number, int* year, int64_t* sequence) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(number, absl::MaxSplits('-', 1));
  int64_t y = 0;
  int64_t s = 0;
  if (parts.first.size() != 4 || !ParseCanonicalNumber(parts.first, &y) ||
      parts.second.size() < 6) {
    return false;
  }
  // Six digits, zero-padded; longer only when the sequence needs it.
  absl::string_view digits = parts.second;
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  if (!ParseCanonicalNumber(digits, &s) || s < 1 || FormatTitreNumber(y, s) != number) {
    return false;
  }
  *year = static_cast<int>(y);
  *sequence = s;
  return true;
}

std::string FormatTitreNumber(int year, int64_t sequence) {
  return absl::StrFormat("%04d-%06d", year, sequence);
}

absl::StatusOr<std::pair<int, int64_t>> ParseTitreName(absl::string_view name,
                                                       const std::string& field) {
  if (auto st = CheckNameLength(name, field); !st.ok()) return st;
  absl::string_view number = name;
  int year = 0;
  int64_t sequence = 0;
  if (!absl::ConsumePrefix(&number, "titres/") || !ParseTitreNumber(number, &year, &sequence)) {
    return BadName(name, field, "titres/{YYYY-NNNNNN}, e.g. titres/2021-000001");
  }
  return std::make_pair(year, sequence);
}

}  // namespace ent
