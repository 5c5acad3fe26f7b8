// Civil (calendar) dates: ISO-8601 parsing and formatting over absl::CivilDay.
// A civil date has no time zone; it is the date printed on a legal act.
#ifndef ENT_COMMON_CIVIL_DATE_H_
#define ENT_COMMON_CIVIL_DATE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace ent {

using CivilDate = absl::CivilDay;

// Parses "YYYY-MM-DD" strictly (the date must exist). Returns nullopt otherwise.
std::optional<CivilDate> ParseIsoDate(absl::string_view text);

// Builds a date from year/month/day, or nullopt when it does not exist
// (e.g. 2022-04-31) or is outside years 1..9999.
std::optional<CivilDate> MakeDate(int year, int month, int day);

// Formats as "YYYY-MM-DD".
std::string FormatIsoDate(CivilDate date);

// Formats an optional date; "" when absent.
std::string FormatIsoDate(const std::optional<CivilDate>& date);

}  // namespace ent

#endif  // ENT_COMMON_CIVIL_DATE_H_
