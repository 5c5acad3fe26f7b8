#include "convention-service/domain/warnings.h"

#include "absl/strings/str_cat.h"

namespace ent::convention {

std::vector<std::string> ComputeWarnings(const Convention& c, const ReferenceData& ref) {
  std::vector<std::string> out;
  if (!c.school_year.Contains(c.end_date)) {
    out.push_back(absl::StrCat("end date ", FormatIsoDate(c.end_date),
                               " is outside the school year ", c.school_year.ToString(), " (",
                               FormatIsoDate(c.school_year.first_day()), " to ",
                               FormatIsoDate(c.school_year.last_day()), ")"));
  }
  if (c.deliberation && c.deliberation->stated_end_date &&
      *c.deliberation->stated_end_date != c.end_date) {
    out.push_back(absl::StrCat("the deliberation n° ", c.deliberation->number,
                               " states an end date of ",
                               FormatIsoDate(*c.deliberation->stated_end_date),
                               " but the convention's Article 3 says ", FormatIsoDate(c.end_date),
                               "; the convention's own date applies"));
  }
  const Signature* commune = c.SignatureOf(PartyRole::kCommune);
  if (commune != nullptr) {
    if (!c.deliberation) {
      out.push_back("the commune signed but no deliberation authorising the signature is recorded");
    } else if (commune->date < c.deliberation->EnforceableDate()) {
      out.push_back(absl::StrCat("the commune signed on ", FormatIsoDate(commune->date),
                                 ", before its deliberation n° ", c.deliberation->number,
                                 " became enforceable on ",
                                 FormatIsoDate(c.deliberation->EnforceableDate())));
    }
  }
  if (c.effective_date && *c.effective_date > c.school_year.last_day()) {
    out.push_back(absl::StrCat("took effect on ", FormatIsoDate(*c.effective_date),
                               ", after the school year ", c.school_year.ToString(), " ended"));
  }
  for (const RegistryFinding& f : CheckAgainstRegistries(c, ref)) {
    out.push_back(f.refused ? absl::StrCat(f.field, ": ", f.message,
                                           " (refused since; recorded before the check)")
                            : absl::StrCat(f.field, ": ", f.message));
  }
  return out;
}

}  // namespace ent::convention
