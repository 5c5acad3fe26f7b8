#include "convention-service/domain/lifecycle.h"

#include <gtest/gtest.h>

#include "convention-service/domain/warnings.h"

namespace ent::convention {
namespace {

Convention Draft(std::string id = "30227-2021") {
  Convention c;
  c.id = std::move(id);
  c.academie = {"Académie de Montpellier", "", "Sophie Béjean", "Rectrice"};
  c.commune = {"30227", "213002272", {"Commune de Saint-Ambroix", "", "Jean-Pierre DE FARIA", "Maire"}};
  c.school_year = SchoolYear(2021);
  c.end_date = CivilDate(2022, 9, 1);
  c.schools = {{"0300673U", "Maternelle", SchoolType::kMaternelle, {}},
               {"0301531B", "Elementaire", SchoolType::kElementaire, {}}};
  c.version = 1;
  return c;
}

Signature Sig(PartyRole party, CivilDate date) {
  return Signature{party, date, "Signataire", "Qualité", "Montpellier"};
}

Convention Active(std::string id = "30227-2021") {
  Convention c = Draft(std::move(id));
  EXPECT_TRUE(Sign(c, Sig(PartyRole::kAcademie, CivilDate(2021, 10, 11))).ok());
  EXPECT_TRUE(Sign(c, Sig(PartyRole::kCommune, CivilDate(2021, 11, 3))).ok());
  return c;
}

TEST(ConventionTest, FirstSignatureMovesToSigningSecondActivatesFromLaterDate) {
  Convention c = Draft();
  auto first = Sign(c, Sig(PartyRole::kCommune, CivilDate(2021, 11, 3)));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(c.state, State::kSigning);
  EXPECT_FALSE(c.effective_date.has_value());
  auto second = Sign(c, Sig(PartyRole::kAcademie, CivilDate(2021, 10, 11)));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(c.state, State::kActive);
  EXPECT_EQ(c.effective_date, CivilDate(2021, 11, 3));
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[1].type, EventType::kActivated);
}

TEST(ConventionTest, RejectsSecondSignatureBySameParty) {
  Convention c = Draft();
  ASSERT_TRUE(Sign(c, Sig(PartyRole::kAcademie, CivilDate(2021, 10, 11))).ok());
  auto again = Sign(c, Sig(PartyRole::kAcademie, CivilDate(2021, 10, 12)));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.signatures.size(), 1u);
}

TEST(ConventionTest, RejectsSignatureOnCancelled) {
  Convention c = Draft();
  ASSERT_TRUE(CancelDraft(c, "doublon").ok());
  EXPECT_EQ(c.state, State::kCancelled);
  auto signed_ = Sign(c, Sig(PartyRole::kAcademie, CivilDate(2021, 10, 11)));
  EXPECT_EQ(signed_.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(c.signatures.empty());
}

TEST(ConventionTest, RejectsSignatureWithoutSchools) {
  Convention c = Draft();
  c.schools.clear();
  EXPECT_EQ(Sign(c, Sig(PartyRole::kAcademie, CivilDate(2021, 10, 11))).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ConventionTest, CancelOnlyFromDraft) {
  Convention c = Active();
  EXPECT_EQ(CancelDraft(c, "").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.state, State::kActive);
}

TEST(ConventionTest, TermsEditableOnlyInDraft) {
  Convention c = Active();
  Convention patch = c;
  patch.end_date = CivilDate(2022, 8, 31);
  EXPECT_EQ(UpdateDraft(c, patch, {"end_date"}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Convention d = Draft();
  auto events = UpdateDraft(d, patch, {"end_date"});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(d.end_date, CivilDate(2022, 8, 31));
  ASSERT_EQ((*events)[0].changes.size(), 1u);
  EXPECT_EQ((*events)[0].changes[0].old_value, "2022-09-01");
  EXPECT_EQ(UpdateDraft(d, patch, {"state"}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConventionTest, SchoolsAfterSignatureAreDatedAmendments) {
  Convention c = Active();
  auto added = AddSchool(c, {"0300002P", "Ecole", SchoolType::kPrimaire, {}},
                         CivilDate(2022, 1, 10), CivilDate(2022, 2, 1));
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ((*added)[0].type, EventType::kAmendmentSchoolAdded);
  EXPECT_EQ(c.schools.back().enrolled_date, CivilDate(2022, 1, 10));
  // Outside the period in force.
  auto early = AddSchool(c, {"0300003R", "Ecole", SchoolType::kPrimaire, {}},
                         CivilDate(2021, 10, 1), CivilDate(2022, 2, 1));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  auto removed = RemoveSchool(c, "0300002P", std::nullopt, CivilDate(2022, 3, 1));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ((*removed)[0].type, EventType::kAmendmentSchoolRemoved);
  EXPECT_EQ(RemoveSchool(c, "0300002P", std::nullopt, CivilDate(2022, 3, 1)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ConventionTest, DraftSchoolEditsRefuseAmendmentDateAndDuplicates) {
  Convention c = Draft();
  EXPECT_EQ(AddSchool(c, {"0300673U", "x", SchoolType::kMaternelle, {}}, std::nullopt,
                      CivilDate(2021, 9, 1))
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(AddSchool(c, {"0300002P", "x", SchoolType::kMaternelle, {}}, CivilDate(2021, 9, 1),
                      CivilDate(2021, 9, 1))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);  // a draft's annex takes no amendment date
  EXPECT_EQ(c.schools.size(), 2u);
}

TEST(ConventionTest, OverlapWithAnotherConventionInForceIsRefused) {
  Convention first = Active("30227-2021");
  Convention second = Draft("30227-2021-2");
  ASSERT_TRUE(Sign(second, Sig(PartyRole::kAcademie, CivilDate(2022, 1, 5))).ok());
  ASSERT_TRUE(Sign(second, Sig(PartyRole::kCommune, CivilDate(2022, 1, 6))).ok());
  auto conflict = ActivationConflict(second, {first, second});
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ConventionTest, RenewalSupersedesItsPredecessorTheDayItTakesEffect) {
  Convention first = Active("30227-2021");
  auto renewal = MakeRenewal(first, std::nullopt, "30227-2022");
  ASSERT_TRUE(renewal.ok());
  EXPECT_EQ(renewal->school_year.ToString(), "2022-2023");
  EXPECT_EQ(renewal->end_date, CivilDate(2023, 9, 1));
  EXPECT_EQ(renewal->renews, "30227-2021");
  ASSERT_TRUE(Sign(*renewal, Sig(PartyRole::kAcademie, CivilDate(2022, 8, 20))).ok());
  ASSERT_TRUE(Sign(*renewal, Sig(PartyRole::kCommune, CivilDate(2022, 8, 25))).ok());
  auto predecessor = ActivationConflict(*renewal, {first});
  ASSERT_TRUE(predecessor.ok()) << predecessor.status();
  ASSERT_NE(*predecessor, nullptr);
  auto ended = Supersede(first, *renewal);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(first.state, State::kExpired);
  EXPECT_EQ(first.LastDayInForce(), CivilDate(2022, 8, 24));
}

TEST(ConventionTest, StaleEtagIsAborted) {
  Convention c = Draft();
  EXPECT_TRUE(CheckEtag(c, "").ok());
  EXPECT_TRUE(CheckEtag(c, "1").ok());
  EXPECT_EQ(CheckEtag(c, "0").code(), absl::StatusCode::kAborted);
}

TEST(WarningsTest, ReportsTheSeedsInconsistencies) {
  Convention c = Active();
  Deliberation d;
  d.number = "2021-100";
  d.transmitted_date = d.posted_date = CivilDate(2021, 10, 29);
  d.stated_end_date = CivilDate(2022, 10, 31);
  c.deliberation = d;
  auto warnings = ComputeWarnings(c, ReferenceData{});  // no registry: its own only
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].text.find("outside the school year 2021-2022"), std::string::npos);
  EXPECT_NE(warnings[1].text.find("2022-10-31"), std::string::npos);
  // The same facts in French, for people.
  EXPECT_EQ(warnings[0].text_fr,
            "la date de fin, le 1er septembre 2022, est hors de l'année scolaire 2021-2022 "
            "(du 1er septembre 2021 au 31 août 2022)");
  EXPECT_NE(warnings[1].text_fr.find("31 octobre 2022"), std::string::npos);
  c.signatures[1].date = CivilDate(2021, 10, 28);
  EXPECT_EQ(ComputeWarnings(c, ReferenceData{}).size(), 3u);
}

}  // namespace
// The expiry and the renewal reminder say, in French, how their dates follow
// from the end date; a timer whose dates do not follow the rule says nothing.
TEST(LifecycleTimersTest, ExplainedInFrenchFromTheirRecordedDates) {
  Convention c = Active();
  c.end_date = CivilDate(2022, 9, 1);
  const auto timers = LifecycleTimers(c, absl::FromCivil(absl::CivilSecond(2021, 11, 3), absl::UTCTimeZone()));
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_EQ(LifecycleExplanationFr(timers[0]),
            "En vigueur jusqu'à sa date de fin (article 3), le jeudi 1er septembre 2022 inclus : "
            "elle cesse de l'être le vendredi 2 septembre 2022 à 0 h (heure de Paris).");
  EXPECT_EQ(LifecycleExplanationFr(timers[1]),
            "Soixante jours avant la date de fin, le jeudi 1er septembre 2022 : "
            "le dimanche 3 juillet 2022.");
  workflow::TimerSpec moved = timers[1];
  moved.last_day = moved.last_day + 1;
  EXPECT_EQ(LifecycleExplanationFr(moved), std::nullopt);
}

}  // namespace ent::convention
