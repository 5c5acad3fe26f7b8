// Validation and normalisation of the French identifiers the project handles
// (DESIGN §3.1). Each function returns the canonical form or an error message
// that states the rule broken; callers attach the field name.
#ifndef ENT_COMMON_IDENTIFIERS_H_
#define ENT_COMMON_IDENTIFIERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/civil_date.h"

namespace ent {

// UAI of a school: 7 digits and the check letter
// "ABCDEFGHJKLMNPRSTUVWXYZ"[n mod 23]. Accepts lower case; returns upper case.
absl::StatusOr<std::string> NormalizeUai(absl::string_view uai);

// INSEE commune code: 5 digits, or 2A/2B followed by 3 digits (Corsica).
// Accepts lower-case a/b; returns upper case.
absl::StatusOr<std::string> NormalizeInseeCode(absl::string_view code);

// SIREN: 9 digits with a valid Luhn check digit.
absl::StatusOr<std::string> NormalizeSiren(absl::string_view siren);

// A school year "YYYY-YYYY" (second = first + 1), running from 1 September of
// the first year to 31 August of the second.
class SchoolYear {
 public:
  static absl::StatusOr<SchoolYear> Parse(absl::string_view text);
  explicit SchoolYear(int first_year) : first_year_(first_year) {}

  int first_year() const { return first_year_; }
  CivilDate first_day() const { return CivilDate(first_year_, 9, 1); }
  CivilDate last_day() const { return CivilDate(first_year_ + 1, 8, 31); }
  bool Contains(CivilDate d) const { return d >= first_day() && d <= last_day(); }
  SchoolYear Next() const { return SchoolYear(first_year_ + 1); }
  std::string ToString() const;

  friend bool operator==(SchoolYear a, SchoolYear b) { return a.first_year_ == b.first_year_; }
  friend bool operator!=(SchoolYear a, SchoolYear b) { return !(a == b); }

 private:
  int first_year_;
};

}  // namespace ent

#endif  // ENT_COMMON_IDENTIFIERS_H_
