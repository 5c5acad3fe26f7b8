#include "convention-service/domain/registry_checks.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ent::convention {
namespace {

// "Saint-Ambroix (Gard, 30)".
std::string Place(const CommuneEntry& e) {
  return absl::StrCat(e.name, " (", DepartementName(e.departement), ", ", e.departement, ")");
}

// The commune's name as a party writes it, without "Commune de", "Ville de"...
std::string BareName(const std::string& party_name) {
  const std::string folded = FoldCommuneName(party_name);
  absl::string_view bare = folded;
  for (absl::string_view prefix : {"commune de ", "commune d ", "ville de ", "ville d ",
                                   "mairie de ", "mairie d "}) {
    if (absl::ConsumePrefix(&bare, prefix)) break;
  }
  return std::string(bare);
}

// "Saint-Ambroix (Gard, 30)" in a French sentence: the same.
// "du ressort de l'Académie de Montpellier (11, 30, 34, 48, 66)".
std::string RessortFr(const Academie& academie) {
  return absl::StrCat("du ressort de l'", academie.Describe());
}

// Why a school is refused: "0180001X is a school of Cher (18), outside the
// Académie de Montpellier (11, 30, 34, 48, 66)".
std::string OutsideAcademie(const std::string& uai, const Academie& academie) {
  const std::string departement = DepartementOfUai(uai);
  const absl::string_view name = DepartementName(departement);
  return absl::StrCat(uai, " is a school of ",
                      name.empty() ? std::string("no known département")
                                   : absl::StrCat(name, " (", departement, ")"),
                      ", outside the ", academie.Describe());
}

// The same, in French: "l'école 0180001X (Cher, 18) n'est pas du ressort
// de l'Académie de Montpellier (11, 30, 34, 48, 66)".
std::string OutsideAcademieFr(const std::string& uai, const Academie& academie) {
  const std::string departement = DepartementOfUai(uai);
  const absl::string_view name = DepartementName(departement);
  return absl::StrCat("l'école ", uai,
                      name.empty() ? std::string(" (département inconnu)")
                                   : absl::StrCat(" (", name, ", ", departement, ")"),
                      " n'est pas ", RessortFr(academie));
}

}  // namespace

std::vector<RegistryFinding> CheckAgainstRegistries(const Convention& c, const ReferenceData& ref) {
  std::vector<RegistryFinding> out;
  if (ref.communes == nullptr || ref.academie == nullptr) return out;
  const Academie& academie = *ref.academie;
  // (Exact equality first: the common case, checked on every read, without folding.)
  if (!c.academie.name.empty() && c.academie.name != academie.name &&
      FoldCommuneName(c.academie.name) != FoldCommuneName(academie.name)) {
    out.push_back({"academie.name",
                   absl::StrCat("'", c.academie.name, "' is not the académie this service serves: ",
                                academie.name),
                   absl::StrCat("« ", c.academie.name, " » n'est pas l'académie que sert ce service (",
                                academie.name, ")"),
                   false});
  }
  const CommuneEntry* commune = ref.communes->Find(c.commune.insee_code);
  if (commune == nullptr) {
    out.push_back({"commune.insee_code",
                   absl::StrCat(c.commune.insee_code, " is not a commune in the INSEE list (",
                                ref.communes->version(), ")"),
                   absl::StrCat("le code ", c.commune.insee_code,
                                " n'est celui d'aucune commune de la liste de l'INSEE (",
                                ref.communes->version(), ")"),
                   true});
  } else {
    if (!commune->siren.empty() && c.commune.siren != commune->siren) {
      out.push_back({"commune.siren",
                     absl::StrCat(c.commune.siren, " is not the SIREN of ", Place(*commune),
                                  ": the INSEE list gives ", commune->siren),
                     absl::StrCat("le SIREN ", c.commune.siren, " n'est pas celui de ",
                                  Place(*commune), " : la liste de l'INSEE donne ",
                                  commune->siren),
                     true});
    }
    if (!academie.Serves(commune->departement)) {
      out.push_back({"commune.insee_code",
                     absl::StrCat(c.commune.insee_code, " is ", Place(*commune), ", outside the ",
                                  academie.Describe()),
                     absl::StrCat("la commune ", Place(*commune), " (", c.commune.insee_code,
                                  ") n'est pas ", RessortFr(academie)),
                     true});
    }
    const std::string& party_name = c.commune.party.name;
    const bool exact = absl::StartsWith(party_name, "Commune de ") &&
                       absl::string_view(party_name).substr(11) == commune->name;
    if (!party_name.empty() && !exact && BareName(party_name) != FoldCommuneName(commune->name)) {
      out.push_back({"commune.party.name",
                     absl::StrCat("the commune's name '", c.commune.party.name,
                                  "' differs from the INSEE list's: ", Place(*commune)),
                     absl::StrCat("le nom de la commune « ", c.commune.party.name,
                                  " » diffère de celui de la liste de l'INSEE : ", Place(*commune)),
                     false});
    }
  }
  for (size_t i = 0; i < c.schools.size(); ++i) {
    const std::string field = absl::StrCat("schools[", i, "].uai");
    const std::string departement = DepartementOfUai(c.schools[i].uai);
    if (!academie.Serves(departement)) {
      out.push_back({field, OutsideAcademie(c.schools[i].uai, academie),
                     OutsideAcademieFr(c.schools[i].uai, academie), true});
    } else if (commune != nullptr && departement != commune->departement) {
      out.push_back({field,
                     absl::StrCat(c.schools[i].uai, " is a school of ", DepartementName(departement),
                                  " (", departement, "), not of the commune's département ",
                                  DepartementName(commune->departement), " (",
                                  commune->departement, ")"),
                     absl::StrCat("l'école ", c.schools[i].uai, " est du département ",
                                  DepartementName(departement), " (", departement,
                                  "), non de celui de la commune, ",
                                  DepartementName(commune->departement), " (",
                                  commune->departement, ")"),
                     false});
    }
  }
  return out;
}

void ValidateAgainstRegistries(const Convention& c, const ReferenceData& ref,
                               const std::string& prefix, FieldViolations& v) {
  for (const RegistryFinding& f : CheckAgainstRegistries(c, ref)) {
    if (f.refused) v.Add(absl::StrCat(prefix, ".", f.field), f.message);
  }
}

void FillAcademieParty(Convention& draft, const ReferenceData& ref) {
  const Party& p = draft.academie;
  if (ref.academie == nullptr || !p.name.empty() || !p.address.empty() ||
      !p.representative.empty() || !p.capacity.empty()) {
    return;
  }
  draft.academie = Party{ref.academie->name, ref.academie->address, ref.academie->representative,
                         ref.academie->capacity};
}

void ValidateSchoolAgainstRegistries(const School& school, const ReferenceData& ref,
                                     const std::string& field, FieldViolations& v) {
  if (ref.academie == nullptr || ref.academie->Serves(DepartementOfUai(school.uai))) return;
  v.Add(field, OutsideAcademie(school.uai, *ref.academie));
}

}  // namespace ent::convention
