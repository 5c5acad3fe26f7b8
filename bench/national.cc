#include "bench/national.h"

#include <fstream>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/communes.h"
#include "demo/saint_ambroix.h"

namespace ent::bench {

std::vector<NationalCommune> NationalCommunes(int limit) {
  std::vector<NationalCommune> out;
  for (const Commune& c : LoadCommunes(std::string(ENT_SOURCE_DIR) + "/reference-data/communes.csv",
                                       limit > 0 ? limit : 1 << 30)) {
    NationalCommune n{c.insee, c.name, c.siren, c.insee.substr(0, 2)};
    if (c.insee.rfind("97", 0) == 0 || c.insee.rfind("98", 0) == 0) n.departement = c.insee.substr(0, 3);
    out.push_back(std::move(n));
  }
  return out;
}

std::string UaiOf(const NationalCommune& c, int n) {
  std::string prefix = "0" + c.departement;
  if (c.departement == "2A") prefix = "620";
  if (c.departement == "2B") prefix = "720";
  if (c.departement.size() == 3) prefix = c.departement;
  const std::string digits = absl::StrCat(prefix, 1000 + n % 9000);
  int64_t value = 0;
  if (!absl::SimpleAtoi(digits, &value)) value = 0;  // digits only
  return digits + "ABCDEFGHJKLMNPRSTUVWXYZ"[value % 23];
}

std::string WriteNationalAcademie(const std::string& dir,
                                  const std::vector<NationalCommune>& communes) {
  std::set<std::string> departements;
  for (const NationalCommune& c : communes) departements.insert(c.departement);
  const std::string path = dir + "/academie-nationale.textproto";
  std::ofstream out(path);
  out << "name: \"Académie de Montpellier\"\n"
      << "address: \"31, rue de l'Université 34064 Montpellier Cedex 2\"\n"
      << "representative: \"Sophie Béjean\"\n"
      << "capacity: \"Rectrice de l'académie de Montpellier\"\n";
  for (const std::string& d : departements) out << "departements: \"" << d << "\"\n";
  return path;
}

std::string ConventionIdOf(const NationalCommune& c, const std::string& school_year,
                           const std::string& suffix) {
  return absl::AsciiStrToLower(absl::StrCat(c.insee, "-", school_year.substr(0, 4), suffix));
}

ent::convention::v1::CreateConventionRequest CreateFor(const NationalCommune& k, int index,
                                                       const std::string& school_year,
                                                       const std::string& suffix) {
  auto create = ent::demo::SaintAmbroixCreate();
  create.set_convention_id(ConventionIdOf(k, school_year, suffix));
  create.set_request_id(absl::StrCat("create-", k.insee, "-", school_year, suffix));
  auto* c = create.mutable_convention();
  c->set_school_year(school_year);
  int first_year = 2021;
  if (!absl::SimpleAtoi(school_year.substr(0, 4), &first_year)) first_year = 2021;
  c->mutable_end_date()->set_year(first_year + 1);
  c->mutable_end_date()->set_month(8);
  c->mutable_end_date()->set_day(31);
  c->mutable_commune()->set_insee_code(k.insee);
  c->mutable_commune()->set_siren(k.siren);
  c->mutable_commune()->mutable_party()->set_name("Commune de " + k.name);
  c->clear_schools();
  for (int s = 0; s < 1 + index % 3; ++s) {
    auto* school = c->add_schools();
    school->set_uai(UaiOf(k, index % 3000 * 3 + s));
    school->set_name(absl::StrCat("ECOLE ", s + 1, " DE ", k.name));
    school->set_type(ent::convention::v1::SCHOOL_TYPE_PRIMAIRE);
  }
  return create;
}

}  // namespace ent::bench
