// Input rules for conventions (DESIGN §3.1, §3.2): each function normalises
// what it checks (upper-case UAI, INSEE code) and adds one violation per
// broken rule, naming the field under `prefix` (e.g. "convention.commune").
#ifndef ENT_CONVENTION_DOMAIN_VALIDATION_H_
#define ENT_CONVENTION_DOMAIN_VALIDATION_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/civil_date.h"
#include "common/field_violations.h"
#include "convention-service/domain/convention.h"

namespace ent::convention {

// Maximum lengths of free-text fields.
inline constexpr size_t kMaxNameLength = 200;
inline constexpr size_t kMaxTextLength = 1000;

// A required text: not blank, at most `max` bytes.
void RequireText(const std::string& value, size_t max, const std::string& field, FieldViolations& v);
// An optional text: at most `max` bytes.
void LimitText(const std::string& value, size_t max, const std::string& field, FieldViolations& v);

void ValidateParty(Party& party, const std::string& prefix, FieldViolations& v);
void ValidateCommune(Commune& commune, const std::string& prefix, FieldViolations& v);
void ValidateSchool(School& school, const std::string& prefix, FieldViolations& v);
// Parties, end date against the school year, schools (unique UAIs).
void ValidateTerms(Convention& c, const std::string& prefix, FieldViolations& v);
// Signatory, capacity and place present (`v`); the date not after `today`
// (`p`: that depends on the day).
void ValidateSignature(Signature& s, CivilDate today, const std::string& prefix,
                       FieldViolations& v, PreconditionViolations& p);
// Council arithmetic and date order (`v`); dates not after `today` (`p`).
void ValidateDeliberation(Deliberation& d, CivilDate today, const std::string& prefix,
                          FieldViolations& v, PreconditionViolations& p);
// 1-63 characters of [a-z0-9-], starting with a letter or digit.
absl::Status ValidateConventionId(absl::string_view id, absl::string_view field);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_DOMAIN_VALIDATION_H_
