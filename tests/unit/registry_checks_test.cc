// Conventions checked against the real INSEE commune list (reference-data/communes.csv)
// and the example académie (deploy/config/academie.textproto): the two
// Saint-Ambroix, Corsica, a commune of each of the académie's five
// départements, the SIREN of the neighbouring commune, names written other
// ways, schools across a border.
#include "convention-service/domain/registry_checks.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "convention-service/domain/warnings.h"
#include "tests/support/communes.h"
#include "tests/support/service_process.h"

namespace ent::convention {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const Academie& Montpellier() {
  static const Academie* const a = [] {
    auto loaded = LoadAcademie(std::string(ENT_SOURCE_DIR) + "/deploy/config/academie.textproto");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new Academie(loaded.value());
  }();
  return *a;
}

ReferenceData Ref() { return ReferenceData{&testing::Communes(), &Montpellier()}; }

// A convention of the commune `insee` as the registry knows it, with schools.
Convention Of(const std::string& insee, std::vector<std::string> uais = {"0300673U"}) {
  const CommuneEntry* e = testing::Communes().Find(insee);
  Convention c;
  c.id = insee + "-2021";
  c.commune.insee_code = insee;
  c.commune.siren = e != nullptr ? e->siren : "213002272";
  c.commune.party.name = e != nullptr ? "Commune de " + e->name : "Commune inconnue";
  c.school_year = SchoolYear(2021);
  c.end_date = CivilDate(2022, 8, 31);
  for (const std::string& uai : uais) c.schools.push_back({uai, "ECOLE", SchoolType::kElementaire, {}});
  return c;
}

std::vector<std::string> Refused(const Convention& c) {
  FieldViolations v;
  ValidateAgainstRegistries(c, Ref(), "convention", v);
  std::vector<std::string> out;
  for (const auto& [field, description] : v.violations()) out.push_back(field + ": " + description);
  return out;
}

std::vector<std::string> Warnings(const Convention& c) {
  std::vector<std::string> out;
  for (const RegistryFinding& f : CheckAgainstRegistries(c, Ref())) {
    if (!f.refused) out.push_back(f.field + ": " + f.message);
  }
  return out;
}

TEST(RegistryChecks, ACommuneOfEachDepartementOfTheAcademieIsAccepted) {
  EXPECT_EQ(Montpellier().Describe(), "Académie de Montpellier (11, 30, 34, 48, 66)");
  // Saint-Ambroix (Gard), Carcassonne (Aude), Montpellier (Hérault), Mende
  // (Lozère), Perpignan (Pyrénées-Orientales), each with a school of its own
  // département.
  for (const auto& [insee, uai] : std::vector<std::pair<std::string, std::string>>{
           {"30227", "0300673U"}, {"11069", "0110001S"}, {"34172", "0340001S"},
           {"48095", "0480001R"}, {"66136", "0660001T"}}) {
    EXPECT_THAT(Refused(Of(insee, {uai})), IsEmpty()) << insee;
    EXPECT_THAT(Warnings(Of(insee, {uai})), IsEmpty()) << insee;
  }
}

TEST(RegistryChecks, TheOtherSaintAmbroixIsOutsideTheAcademie) {
  EXPECT_THAT(Refused(Of("18198")),
              ElementsAre("convention.commune.insee_code: 18198 is Saint-Ambroix (Cher, 18), outside "
                          "the Académie de Montpellier (11, 30, 34, 48, 66)"));
}

TEST(RegistryChecks, CorsicaIsOutsideTheAcademieAndItsUaisAreRead) {
  EXPECT_THAT(Refused(Of("2A004", {"6200001G"})),
              ElementsAre(HasSubstr("2A004 is Ajaccio (Corse-du-Sud, 2A), outside"),
                          HasSubstr("6200001G is a school of Corse-du-Sud (2A), outside")));
  EXPECT_EQ(DepartementOfUai("7200001B"), "2B");
  EXPECT_EQ(DepartementOfUai("9710001A"), "971");
}

TEST(RegistryChecks, TheSirenMustBeTheCommunesOwn) {
  Convention c = Of("30227");
  c.commune.siren = "213003031";  // Saint-Victor-de-Malcap, its neighbour: a valid SIREN
  EXPECT_THAT(Refused(c), ElementsAre("convention.commune.siren: 213003031 is not the SIREN of "
                                      "Saint-Ambroix (Gard, 30): the INSEE list gives 213002272"));
}

TEST(RegistryChecks, AnUnknownInseeCodeIsRefusedNamingTheList) {
  EXPECT_THAT(Refused(Of("30999")),
              ElementsAre(AllOf(HasSubstr("convention.commune.insee_code: 30999 is not a commune in "
                                          "the INSEE list"),
                                HasSubstr("@etalab/decoupage-administratif"))));
}

TEST(RegistryChecks, ANameWrittenAnotherWayIsAWarningOnlyWhenItDiffers) {
  Convention c = Of("30227");
  for (const char* same : {"Commune de Saint-Ambroix", "Ville de Saint Ambroix", "SAINT-AMBROIX",
                           "Mairie de saint-ambroix"}) {
    c.commune.party.name = same;
    EXPECT_THAT(Warnings(c), IsEmpty()) << same;
  }
  c.commune.party.name = "Commune de Saint-Ambroise";
  EXPECT_THAT(Warnings(c), ElementsAre(HasSubstr("differs from the INSEE list's: Saint-Ambroix (Gard, 30)")));
  EXPECT_THAT(Refused(c), IsEmpty());
}

TEST(RegistryChecks, ASchoolAcrossABorderIsAWarningInsideTheAcademieAndRefusedOutside) {
  const Convention near = Of("30227", {"0300673U", "0340001S"});
  EXPECT_THAT(Refused(near), IsEmpty());
  EXPECT_THAT(Warnings(near), ElementsAre("schools[1].uai: 0340001S is a school of Hérault (34), not "
                                          "of the commune's département Gard (30)"));
  EXPECT_THAT(Refused(Of("30227", {"0300673U", "0180001D"})),
              ElementsAre("convention.schools[1].uai: 0180001D is a school of Cher (18), outside "
                          "the Académie de Montpellier (11, 30, 34, 48, 66)"));
  FieldViolations v;
  ValidateSchoolAgainstRegistries(School{"0180001D", "ECOLE", SchoolType::kPrimaire, {}}, Ref(),
                                  "school.uai", v);
  ASSERT_EQ(v.violations().size(), 1u);
  EXPECT_EQ(v.violations()[0].first, "school.uai");
}

TEST(RegistryChecks, TheAcademiePartyComesFromTheConfigurationWhenNoneIsGiven) {
  Convention c = Of("30227");
  FillAcademieParty(c, Ref());
  EXPECT_EQ(c.academie.name, "Académie de Montpellier");
  EXPECT_EQ(c.academie.representative, "Sophie Béjean");
  EXPECT_THAT(Warnings(c), IsEmpty());
  c.academie.name = "Académie de Toulouse";
  FillAcademieParty(c, Ref());  // given: kept as it is
  EXPECT_EQ(c.academie.name, "Académie de Toulouse");
  EXPECT_THAT(Warnings(c), ElementsAre("academie.name: 'Académie de Toulouse' is not the académie "
                                       "this service serves: Académie de Montpellier"));
}

// A convention stored before the checks is read, with what they find as
// warnings; nothing is refused on reading.
TEST(RegistryChecks, AStoredConventionThatFailsACheckGetsItAsAWarning) {
  Convention stored = Of("30227");
  stored.commune.siren = "213003031";
  const std::vector<Warning> warnings = ComputeWarnings(stored, Ref());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0].text, AllOf(HasSubstr("commune.siren: 213003031 is not the SIREN"),
                                      HasSubstr("recorded before the check")));
  EXPECT_THAT(warnings[0].text_fr, AllOf(HasSubstr("le SIREN 213003031 n'est pas celui de"),
                                         HasSubstr("enregistré avant ce contrôle")));
  EXPECT_THAT(ComputeWarnings(Of("30227"), Ref()), IsEmpty());
}

TEST(CommuneRegistry, TheShippedListLoadsWithItsSourceAndFindsNamesAnyWayWritten) {
  const CommuneRegistry& r = testing::Communes();
  EXPECT_EQ(r.size(), 34969u);
  EXPECT_THAT(r.version(), HasSubstr("@etalab/decoupage-administratif 6.0.0 of 2026-04-09"));
  EXPECT_THAT(r.version(), HasSubstr("34969 communes; sha256 "));
  std::vector<std::string> found;
  for (const CommuneEntry* e : r.FindByName("saint ambroix")) found.push_back(e->insee_code + " " + e->departement);
  EXPECT_THAT(found, ElementsAre("18198 18", "30227 30"));
  EXPECT_EQ(r.FindByName("Nîmes").size(), 1u);
  EXPECT_EQ(r.FindByName("NIMES")[0]->insee_code, "30189");
  EXPECT_EQ(FoldCommuneName("L'Abergement-Clémenciat"), "l abergement clemenciat");
}

TEST(CommuneRegistry, AMalformedListIsRefusedNamingTheLine) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/communes.csv";
  std::ofstream(path) << "insee_code,name,departement,region,siren,population,postal_codes\n"
                      << "30227,Saint-Ambroix,30,76,213002272,3445,30500\n"
                      << "3022,Broken,30,76,213002272,x,30500\n";
  auto r = CommuneRegistry::Load(path);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("communes.csv:3: not a commune line"));
  std::ofstream(path) << "code,nom\n30227,Saint-Ambroix\n";
  EXPECT_THAT(std::string(CommuneRegistry::Load(path).status().message()), HasSubstr("the header"));
}

TEST(AcademieConfig, ADepartementMustBeKnownAndTheNameGiven) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/academie.textproto";
  std::ofstream(path) << "name: \"Académie de Montpellier\"\ndepartements: \"30\"\ndepartements: \"3O\"\n";
  EXPECT_THAT(std::string(LoadAcademie(path).status().message()),
              HasSubstr("departements: '3O' is not a département code"));
  std::ofstream(path) << "departements: \"30\"\n";
  EXPECT_THAT(std::string(LoadAcademie(path).status().message()), HasSubstr("name is required"));
  std::ofstream(path) << "name: \"A\"\nnot_a_field: 1\n";
  EXPECT_THAT(std::string(LoadAcademie(path).status().message()), HasSubstr("not an ent.config.v1.Academie"));
}

}  // namespace
}  // namespace ent::convention
