#include "common/civil_date.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace ent {

std::optional<CivilDate> MakeDate(int year, int month, int day) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  CivilDate date(year, month, day);
  if (date.year() != year || date.month() != month || date.day() != day) {
    return std::nullopt;  // normalised: the date does not exist
  }
  return date;
}

std::optional<CivilDate> ParseIsoDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0, month = 0, day = 0;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) ||
      !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return std::nullopt;
  }
  return MakeDate(year, month, day);
}

std::string FormatIsoDate(CivilDate date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

std::string FormatIsoDate(const std::optional<CivilDate>& date) {
  return date ? FormatIsoDate(*date) : std::string();
}

}  // namespace ent
