#include "convention-service/domain/validation.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/documents/french_text.h"
#include "common/resource_names.h"

namespace ent::convention {

void RequireText(const std::string& value, size_t max, const std::string& field,
                 FieldViolations& v) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    v.Add(field, "is required", "est obligatoire");
  } else {
    LimitText(value, max, field, v);
  }
}

void LimitText(const std::string& value, size_t max, const std::string& field,
               FieldViolations& v) {
  if (value.size() > max) {
    v.Add(field, absl::StrCat("must be at most ", max, " bytes"),
          absl::StrCat("doit tenir en ", max, " octets au plus"));
  }
}

namespace {

void NotAfterToday(CivilDate date, CivilDate today, const std::string& field,
                   PreconditionViolations& p) {
  if (date > today) {
    p.Add(field, absl::StrCat("must not be after today (", FormatIsoDate(today), ")"), "TIME",
          absl::StrCat("La date ne peut être postérieure à aujourd'hui (",
                       documents::FrenchDate(today), ")."));
  }
}

}  // namespace

void ValidateParty(Party& party, const std::string& prefix, FieldViolations& v) {
  RequireText(party.name, kMaxNameLength, prefix + ".name", v);
  LimitText(party.address, kMaxTextLength, prefix + ".address", v);
  RequireText(party.representative, kMaxNameLength, prefix + ".representative", v);
  RequireText(party.capacity, kMaxNameLength, prefix + ".capacity", v);
}

void ValidateCommune(Commune& commune, const std::string& prefix, FieldViolations& v) {
  if (auto insee = NormalizeInseeCode(commune.insee_code); insee.ok()) {
    commune.insee_code = *insee;
  } else {
    v.AddIfError(prefix + ".insee_code", insee.status());
  }
  if (auto siren = NormalizeSiren(commune.siren); siren.ok()) {
    commune.siren = *siren;
  } else {
    v.AddIfError(prefix + ".siren", siren.status());
  }
  ValidateParty(commune.party, prefix + ".party", v);
}

void ValidateSchool(School& school, const std::string& prefix, FieldViolations& v) {
  if (auto uai = NormalizeUai(school.uai); uai.ok()) {
    school.uai = *uai;
  } else {
    v.AddIfError(prefix + ".uai", uai.status());
  }
  RequireText(school.name, kMaxNameLength, prefix + ".name", v);
}

void ValidateTerms(Convention& c, const std::string& prefix, FieldViolations& v) {
  ValidateParty(c.academie, prefix + ".academie", v);
  ValidateCommune(c.commune, prefix + ".commune", v);
  const CivilDate first = c.school_year.first_day();
  if (c.end_date < first) {
    v.Add(prefix + ".end_date", absl::StrCat("must not be before the school year ",
                                             c.school_year.ToString(), " starts (",
                                             FormatIsoDate(first), ")"));
  } else if (c.end_date > c.school_year.last_day() + 366) {
    v.Add(prefix + ".end_date",
          absl::StrCat("must be within a year of the end of the school year ",
                       c.school_year.ToString()));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < c.schools.size(); ++i) {
    const std::string field = absl::StrCat(prefix, ".schools[", i, "]");
    ValidateSchool(c.schools[i], field, v);
    if (!seen.insert(c.schools[i].uai).second) {
      v.Add(field + ".uai", absl::StrCat(c.schools[i].uai, " is listed twice"));
    }
  }
  if (c.schools.size() > 500) v.Add(prefix + ".schools", "must list at most 500 schools");
}

void ValidateSignature(Signature& s, CivilDate today, const std::string& prefix,
                       FieldViolations& v, PreconditionViolations& p) {
  NotAfterToday(s.date, today, prefix + ".date", p);
  RequireText(s.signatory, kMaxNameLength, prefix + ".signatory", v);
  RequireText(s.capacity, kMaxNameLength, prefix + ".capacity", v);
  RequireText(s.place, kMaxNameLength, prefix + ".place", v);
}

void ValidateDeliberation(Deliberation& d, CivilDate today, const std::string& prefix,
                          FieldViolations& v, PreconditionViolations& p) {
  RequireText(d.number, 50, prefix + ".number", v);
  LimitText(d.acknowledgement_id, 100, prefix + ".acknowledgement_id", v);
  NotAfterToday(d.session_date, today, prefix + ".session_date", p);
  NotAfterToday(d.transmitted_date, today, prefix + ".transmitted_date", p);
  NotAfterToday(d.posted_date, today, prefix + ".posted_date", p);
  // A session date after today is the error itself (named above): the other
  // dates are not measured against it.
  if (d.session_date <= today) {
    if (d.transmitted_date < d.session_date) {
      v.Add(prefix + ".transmitted_date", "must not be before the session date",
            "ne peut précéder la séance du conseil municipal");
    }
    if (d.posted_date < d.session_date) {
      v.Add(prefix + ".posted_date", "must not be before the session date",
            "ne peut précéder la séance du conseil municipal");
    }
  }
  bool counts_ok = true;
  for (auto [value, name] : {std::pair{d.council_members, "council_members"},
                             {d.members_present, "members_present"},
                             {d.members_absent, "members_absent"},
                             {d.proxies, "proxies"},
                             {d.votes, "votes"},
                             {d.votes_for, "votes_for"}}) {
    if (value < 0 || value > 200) {
      v.Add(absl::StrCat(prefix, ".", name), "must be between 0 and 200");
      counts_ok = false;
    }
  }
  if (!counts_ok) return;
  if (d.council_members == 0) v.Add(prefix + ".council_members", "must be positive");
  if (d.members_present + d.members_absent != d.council_members) {
    v.Add(prefix + ".council_members",
          absl::StrCat("must equal members_present + members_absent (", d.members_present, " + ",
                       d.members_absent, " = ", d.members_present + d.members_absent, ")"));
  }
  if (d.proxies > d.members_absent) {
    v.Add(prefix + ".proxies", "must not exceed members_absent: only absent members give proxies");
  }
  if (d.votes != d.members_present + d.proxies) {
    v.Add(prefix + ".votes", absl::StrCat("must equal members_present + proxies (",
                                          d.members_present, " + ", d.proxies, " = ",
                                          d.members_present + d.proxies, ")"));
  }
  if (d.votes_for > d.votes) v.Add(prefix + ".votes_for", "must not exceed votes");
  if (d.votes_for * 2 <= d.votes) {
    v.Add(prefix + ".votes_for", "must be a majority of votes: the council did not approve");
  }
}

absl::Status ValidateConventionId(absl::string_view id, absl::string_view field) {
  if (!IsConventionId(id)) {
    return InvalidField(std::string(field),
                        "must be 1-63 characters of a-z, 0-9 and '-', not starting with '-'");
  }
  return absl::OkStatus();
}

}  // namespace ent::convention
