// The console's pure pieces: search folding, French amounts typed by people,
// PKCE (RFC 7636's own example), sessions (expiry, rotation at sign-in).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "console/french.h"
#include "console/oidc_client.h"
#include "console/sessions.h"

namespace ent::console {
namespace {

TEST(ConsoleSearch, FoldsAccentsHyphensApostrophesAndCase) {
  EXPECT_EQ(FoldForSearch("Commune de Saint-Ambroix"), "commune de saint ambroix");
  EXPECT_EQ(FoldForSearch("  L'Haÿ-les-Roses "), "l hay les roses");
  EXPECT_EQ(FoldForSearch("Aigues-Mortes"), FoldForSearch("aigues mortes"));
  EXPECT_EQ(FoldForSearch("ÉCOLE Élémentaire"), "ecole elementaire");
  EXPECT_EQ(FoldForSearch("Œuilly"), "ouilly");
  EXPECT_EQ(FoldForSearch("30227"), "30227");
  EXPECT_EQ(FoldForSearch("日本"), "");  // other scripts: dropped, never garbage bytes
}

TEST(ConsoleAmounts, EurosAsPeopleTypeThem) {
  EXPECT_EQ(ParseEuros("40"), 4000);
  EXPECT_EQ(ParseEuros("40,5"), 4050);
  EXPECT_EQ(ParseEuros("1 234,56"), 123456);
  EXPECT_EQ(ParseEuros("0.07"), 7);
  EXPECT_FALSE(ParseEuros("quarante").has_value());
  EXPECT_FALSE(ParseEuros("-3").has_value());
  EXPECT_FALSE(ParseEuros("1,234").has_value());
  EXPECT_FALSE(ParseEuros("").has_value());
  EXPECT_FALSE(ParseEuros("99999999999").has_value());
}

TEST(ConsoleDates, FrenchWithWeekdayAndDaysLeft) {
  google::type::Date d;
  d.set_year(2022);
  d.set_month(5);
  d.set_day(2);
  EXPECT_EQ(DateFr(d), "lundi 2 mai 2022");
  EXPECT_EQ(DateFr(google::type::Date()), "");
  EXPECT_EQ(InstantFr(absl::FromUnixSeconds(1648713600)), "jeudi 31 mars 2022 à 10 h 00");
  EXPECT_EQ(DaysLeftFr(CivilDate(2022, 3, 31), CivilDate(2022, 5, 2)), "dans 32 jours");
  EXPECT_EQ(DaysLeftFr(CivilDate(2022, 5, 3), CivilDate(2022, 5, 2)), "dépassée depuis 1 jour");
  EXPECT_FALSE(ParseDateField("2022-02-30").has_value());
  EXPECT_EQ(ParseDateField("2022-05-11")->day(), 11);
  EXPECT_EQ(ParseDateField("31/03/2022")->month(), 3);
  EXPECT_EQ(ParseDateField(" 1/5/2022 ")->day(), 1);
  EXPECT_FALSE(ParseDateField("31/04/2022").has_value());
  EXPECT_FALSE(ParseDateField("03/31/2022").has_value());
}

// The timeline phrases an event from its typed changes, never from its
// English description.
TEST(ConsoleEvents, ChangesInFrenchFromTypedFields) {
  convention::v1::ConventionEvent e;
  e.set_type(convention::v1::ConventionEvent::TYPE_TERMINATED);
  e.set_description("termination took effect: last day in force 2022-05-27");
  auto* state = e.add_changes();
  state->set_field("state");
  state->set_old_value("TERMINATING");
  state->set_new_value("TERMINATED");
  auto* dispute = e.add_changes();
  dispute->set_field("dispute.state");
  dispute->set_old_value("TERMINATING");
  dispute->set_new_value("TERMINATED");
  auto* last = e.add_changes();
  last->set_field("last_day_in_force");
  last->set_new_value("2022-05-27");
  auto* other = e.add_changes();
  other->set_field("some_future_field");
  other->set_new_value("x");
  const std::vector<std::string> lines = EventChangesFr(e);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "État de la convention : " +
                          ConventionStateFr(convention::v1::Convention::STATE_TERMINATING) + " → " +
                          ConventionStateFr(convention::v1::Convention::STATE_TERMINATED));
  EXPECT_EQ(lines[1], "État du litige : " +
                          DisputeStateFr(convention::v1::Dispute::STATE_TERMINATING) + " → " +
                          DisputeStateFr(convention::v1::Dispute::STATE_TERMINATED));
  EXPECT_EQ(lines[2], "Dernier jour en vigueur : vendredi 27 mai 2022");
  EXPECT_EQ(lines[3], "some_future_field : x");
  for (const std::string& line : lines) EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("TERMINAT")));
}

TEST(ConsolePkce, ChallengeIsRfc7636sExample) {
  EXPECT_EQ(PkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(ConsoleSessions, SignInRotatesTheIdAndForgetsTheOldOne) {
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  SessionStore store({}, [&now] { return now; });
  Session anonymous = store.Create();
  EXPECT_EQ(anonymous.id.size(), 43u);  // 32 bytes, base64url
  anonymous.signed_in = true;
  anonymous.signed_in_at = now;
  const Session signed_in = store.Rotate(anonymous);
  EXPECT_NE(signed_in.id, anonymous.id);
  EXPECT_NE(signed_in.csrf, anonymous.csrf);
  EXPECT_FALSE(store.Find(anonymous.id).has_value());
  EXPECT_TRUE(store.Find(signed_in.id).has_value());
  store.Remove(signed_in.id);  // sign-out
  EXPECT_FALSE(store.Find(signed_in.id).has_value());
}

TEST(ConsoleSessions, IdleAndAbsoluteExpiry) {
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  SessionStore::Options options;
  options.idle = absl::Minutes(30);
  options.absolute = absl::Hours(10);
  SessionStore store(options, [&now] { return now; });
  Session s = store.Create();
  now += absl::Minutes(29);
  ASSERT_TRUE(store.Find(s.id).has_value());  // used: idle time starts again
  now += absl::Minutes(29);
  ASSERT_TRUE(store.Find(s.id).has_value());
  now += absl::Minutes(31);
  EXPECT_FALSE(store.Find(s.id).has_value());  // idle too long

  Session busy = store.Create();
  busy.signed_in = true;
  busy.signed_in_at = now;
  busy = store.Rotate(busy);
  int uses = 0;
  for (; uses < 40; ++uses) {  // active every 25 minutes...
    now += absl::Minutes(25);
    if (!store.Find(busy.id)) break;
  }
  EXPECT_EQ(uses, 24);  // ...until 10 hours after sign-in (24 × 25 min), not beyond
  EXPECT_FALSE(store.Find(busy.id).has_value());
}

TEST(ConsoleSessions, SameSecretNeedsEqualNonEmptyValues) {
  EXPECT_TRUE(SameSecret("abc", "abc"));
  EXPECT_FALSE(SameSecret("abc", "abd"));
  EXPECT_FALSE(SameSecret("", ""));
  EXPECT_FALSE(SameSecret("abc", "abcd"));
}

}  // namespace
}  // namespace ent::console
