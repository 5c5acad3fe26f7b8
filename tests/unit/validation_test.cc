#include "convention-service/domain/validation.h"
#include "common/idempotency.h"

#include <gtest/gtest.h>

namespace ent::convention {
namespace {

Deliberation SaintAmbroix() {
  Deliberation d;
  d.number = "2021-100";
  d.session_date = CivilDate(2021, 10, 27);
  d.council_members = 23;
  d.members_present = 18;
  d.members_absent = 5;
  d.proxies = 3;
  d.votes = 21;
  d.votes_for = 21;
  d.transmitted_date = CivilDate(2021, 10, 29);
  d.posted_date = CivilDate(2021, 10, 29);
  return d;
}

std::vector<std::string> FieldsOf(const FieldViolations& v) {
  std::vector<std::string> out;
  for (const auto& [field, description] : v.violations()) out.push_back(field);
  return out;
}

TEST(DeliberationTest, AcceptsTheSeedsArithmetic) {
  Deliberation d = SaintAmbroix();
  FieldViolations v;
  PreconditionViolations p;
  ValidateDeliberation(d, CivilDate(2026, 1, 1), "deliberation", v, p);
  EXPECT_TRUE(v.empty()) << v.ToStatus();
  EXPECT_EQ(d.EnforceableDate(), CivilDate(2021, 10, 29));
}

TEST(DeliberationTest, EnforceableOnTheLaterOfTransmissionAndPosting) {
  Deliberation d = SaintAmbroix();
  d.posted_date = CivilDate(2021, 11, 2);
  EXPECT_EQ(d.EnforceableDate(), CivilDate(2021, 11, 2));
}

TEST(DeliberationTest, RejectsPresentPlusAbsentNotCouncilSize) {
  Deliberation d = SaintAmbroix();
  d.council_members = 22;
  FieldViolations v;
  PreconditionViolations p;
  ValidateDeliberation(d, CivilDate(2026, 1, 1), "deliberation", v, p);
  EXPECT_EQ(FieldsOf(v), std::vector<std::string>{"deliberation.council_members"});
}

TEST(DeliberationTest, RejectsVotesNotPresentPlusProxies) {
  Deliberation d = SaintAmbroix();
  d.votes = 23;
  d.votes_for = 23;
  FieldViolations v;
  PreconditionViolations p;
  ValidateDeliberation(d, CivilDate(2026, 1, 1), "deliberation", v, p);
  EXPECT_EQ(FieldsOf(v), std::vector<std::string>{"deliberation.votes"});
}

TEST(DeliberationTest, RejectsMoreProxiesThanAbsentMembers) {
  Deliberation d = SaintAmbroix();
  d.proxies = 6;
  d.votes = 24;
  d.votes_for = 24;
  FieldViolations v;
  PreconditionViolations p;
  ValidateDeliberation(d, CivilDate(2026, 1, 1), "deliberation", v, p);
  EXPECT_EQ(FieldsOf(v), std::vector<std::string>{"deliberation.proxies"});
}

TEST(DeliberationTest, RejectsDatesAfterTodayAndBeforeSession) {
  Deliberation d = SaintAmbroix();
  d.transmitted_date = CivilDate(2021, 10, 26);
  FieldViolations v;
  PreconditionViolations p;
  ValidateDeliberation(d, CivilDate(2021, 10, 28), "deliberation", v, p);
  // Before the session: wrong whatever the day. After today: depends on the day.
  EXPECT_EQ(FieldsOf(v), (std::vector<std::string>{"deliberation.transmitted_date"}));
  const absl::Status later = p.ToStatus();
  EXPECT_EQ(later.code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(PreconditionViolationsOf(later).size(), 1u);
  EXPECT_EQ(PreconditionViolationsOf(later)[0].first, "deliberation.posted_date");
}

// A session held "tomorrow" is refused for its own date (a state of today:
// FAILED_PRECONDITION naming deliberation.session_date), not for the
// transmission and posting dates measured against it.
TEST(DeliberationTest, SessionAfterTodayIsNamedItself) {
  Deliberation d = SaintAmbroix();
  const CivilDate today(2021, 10, 28);
  d.session_date = today + 1;
  d.transmitted_date = today;
  d.posted_date = today;
  FieldViolations v;
  PreconditionViolations p;
  ValidateDeliberation(d, today, "deliberation", v, p);
  EXPECT_TRUE(v.empty()) << v.ToStatus();
  const absl::Status later = p.ToStatus();
  EXPECT_EQ(later.code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(PreconditionViolationsOf(later).size(), 1u);
  EXPECT_EQ(PreconditionViolationsOf(later)[0].first, "deliberation.session_date");
  EXPECT_EQ(FrenchMessageOf(later), "La date ne peut être postérieure à aujourd'hui (28 octobre 2021).");
}

TEST(DeliberationTest, RejectsMinorityApproval) {
  Deliberation d = SaintAmbroix();
  d.votes_for = 10;
  FieldViolations v;
  PreconditionViolations p;
  ValidateDeliberation(d, CivilDate(2026, 1, 1), "deliberation", v, p);
  EXPECT_EQ(FieldsOf(v), std::vector<std::string>{"deliberation.votes_for"});
}

TEST(SignatureTest, RejectsFutureDateAndMissingSignatory) {
  Signature s{PartyRole::kCommune, CivilDate(2021, 11, 4), "", "Maire", "Saint-Ambroix"};
  FieldViolations v;
  PreconditionViolations p;
  ValidateSignature(s, CivilDate(2021, 11, 3), "signature", v, p);
  EXPECT_EQ(FieldsOf(v), (std::vector<std::string>{"signature.signatory"}));
  ASSERT_EQ(PreconditionViolationsOf(p.ToStatus()).size(), 1u);
  EXPECT_EQ(PreconditionViolationsOf(p.ToStatus())[0].first, "signature.date");
}

TEST(TermsTest, NamesEveryBadField) {
  Convention c;
  c.academie = {"Académie de Montpellier", "", "Sophie Béjean", "Rectrice"};
  c.commune = {"30228", "213002273", {"Commune", "", "", "Maire"}};
  c.school_year = SchoolYear(2021);
  c.end_date = CivilDate(2021, 8, 1);
  c.schools = {{"0300673U", "Maternelle", SchoolType::kMaternelle, {}},
               {"0300673u", "Doublon", SchoolType::kMaternelle, {}},
               {"0301531C", "Elementaire", SchoolType::kElementaire, {}}};
  FieldViolations v;
  ValidateTerms(c, "convention", v);
  EXPECT_EQ(FieldsOf(v), (std::vector<std::string>{
                             "convention.commune.siren",
                             "convention.commune.party.representative",
                             "convention.end_date",
                             "convention.schools[1].uai",
                             "convention.schools[2].uai",
                         }));
  EXPECT_EQ(c.schools[1].uai, "0300673U");  // normalised before the duplicate check
}

// People read refusals in French: each violation with a French text carries
// it as its localized_message (fr-FR); a refusal of preconditions carries
// one LocalizedMessage when every violation has a French text.
TEST(LocalizedRefusals, FrenchTextsTravelWithTheEnglishOnes) {
  FieldViolations v;
  v.Add("dispute.party", "is required: ACADEMIE or COMMUNE", "est obligatoire : la commune ou l'académie");
  v.Add("dispute.grievances", "is required");  // no French: the English text, marked so
  const std::vector<LocalizedViolation> fields = LocalizedViolationsOf(v.ToStatus());
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].field, "dispute.party");
  EXPECT_EQ(fields[0].text, "est obligatoire : la commune ou l'académie");
  EXPECT_TRUE(fields[0].french);
  EXPECT_EQ(fields[1].text, "is required");
  EXPECT_FALSE(fields[1].french);
  // The English stays what API clients read.
  EXPECT_EQ(v.ToStatus().message(),
            "dispute.party: is required: ACADEMIE or COMMUNE; dispute.grievances: is required");

  PreconditionViolations all_french;
  all_french.Add("payment.received_date", "must not be after today (2022-05-11)", "TIME",
                 "Le paiement ne peut être reçu après aujourd'hui (11 mai 2022).");
  const absl::Status refused = all_french.ToStatus();
  EXPECT_EQ(FrenchMessageOf(refused), "Le paiement ne peut être reçu après aujourd'hui (11 mai 2022).");
  ASSERT_EQ(LocalizedViolationsOf(refused).size(), 1u);
  EXPECT_TRUE(LocalizedViolationsOf(refused)[0].french);

  PreconditionViolations half;
  half.Add("a", "one", "STATE", "un");
  half.Add("b", "two");
  EXPECT_EQ(FrenchMessageOf(half.ToStatus()), "");  // never half a translation
  EXPECT_FALSE(LocalizedViolationsOf(half.ToStatus())[0].french);

  EXPECT_EQ(FrenchMessageOf(WithFrench(absl::AbortedError("stale"), "")), "");
  EXPECT_EQ(FrenchMessageOf(WithFrench(absl::AbortedError("stale"), "périmé")), "périmé");
}

TEST(RequestIdTest, RequiresAReasonableId) {
  EXPECT_TRUE(ValidateRequestId("7f8e1c9a-2b3d-4e5f-8a9b-0c1d2e3f4a5b").ok());
  EXPECT_FALSE(ValidateRequestId("").ok());
  EXPECT_FALSE(ValidateRequestId(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateRequestId("a b").ok());
}

}  // namespace
}  // namespace ent::convention
