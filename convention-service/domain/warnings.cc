#include "convention-service/domain/warnings.h"

#include "absl/strings/str_cat.h"
#include "common/documents/french_text.h"

namespace ent::convention {

using documents::FrenchDate;

std::vector<Warning> ComputeWarnings(const Convention& c, const ReferenceData& ref) {
  std::vector<Warning> out;
  if (!c.school_year.Contains(c.end_date)) {
    out.push_back({absl::StrCat("end date ", FormatIsoDate(c.end_date),
                                " is outside the school year ", c.school_year.ToString(), " (",
                                FormatIsoDate(c.school_year.first_day()), " to ",
                                FormatIsoDate(c.school_year.last_day()), ")"),
                   absl::StrCat("la date de fin, le ", FrenchDate(c.end_date),
                                ", est hors de l'année scolaire ", c.school_year.ToString(),
                                " (du ", FrenchDate(c.school_year.first_day()), " au ",
                                FrenchDate(c.school_year.last_day()), ")")});
  }
  if (c.deliberation && c.deliberation->stated_end_date &&
      *c.deliberation->stated_end_date != c.end_date) {
    out.push_back({absl::StrCat("the deliberation n° ", c.deliberation->number,
                                " states an end date of ",
                                FormatIsoDate(*c.deliberation->stated_end_date),
                                " but the convention's Article 3 says ", FormatIsoDate(c.end_date),
                                "; the convention's own date applies"),
                   absl::StrCat("la délibération n° ", c.deliberation->number,
                                " indique une fin au ", FrenchDate(*c.deliberation->stated_end_date),
                                " mais l'article 3 de la convention dit le ",
                                FrenchDate(c.end_date),
                                " ; la date de la convention s'applique")});
  }
  const Signature* commune = c.SignatureOf(PartyRole::kCommune);
  if (commune != nullptr) {
    if (!c.deliberation) {
      out.push_back({"the commune signed but no deliberation authorising the signature is recorded",
                     "la commune a signé mais aucune délibération autorisant la signature "
                     "n'est enregistrée"});
    } else if (commune->date < c.deliberation->EnforceableDate()) {
      out.push_back({absl::StrCat("the commune signed on ", FormatIsoDate(commune->date),
                                  ", before its deliberation n° ", c.deliberation->number,
                                  " became enforceable on ",
                                  FormatIsoDate(c.deliberation->EnforceableDate())),
                     absl::StrCat("la commune a signé le ", FrenchDate(commune->date),
                                  ", avant que sa délibération n° ", c.deliberation->number,
                                  " ne devienne exécutoire le ",
                                  FrenchDate(c.deliberation->EnforceableDate()))});
    }
  }
  if (c.effective_date && *c.effective_date > c.school_year.last_day()) {
    out.push_back({absl::StrCat("took effect on ", FormatIsoDate(*c.effective_date),
                                ", after the school year ", c.school_year.ToString(), " ended"),
                   absl::StrCat("entrée en vigueur le ", FrenchDate(*c.effective_date),
                                ", après la fin de l'année scolaire ", c.school_year.ToString())});
  }
  for (const RegistryFinding& f : CheckAgainstRegistries(c, ref)) {
    out.push_back(
        f.refused
            ? Warning{absl::StrCat(f.field, ": ", f.message,
                                   " (refused since; recorded before the check)"),
                      absl::StrCat(f.message_fr,
                                   " (refusé aujourd'hui ; enregistré avant ce contrôle)")}
            : Warning{absl::StrCat(f.field, ": ", f.message), f.message_fr});
  }
  return out;
}

}  // namespace ent::convention
