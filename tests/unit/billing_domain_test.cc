// The billing domain (billing-service/domain/billing.h) without a server:
// what is billable, what is due, what a payment or a correction may do, the
// state of a titre, and how notices change what billing knows.
#include "billing-service/domain/billing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ent::billing {
namespace {

using ::testing::HasSubstr;

CivilDate D(int y, int m, int d) { return CivilDate(y, m, d); }

BillableConvention SaintAmbroix() {
  BillableConvention c;
  c.convention = "conventions/30227-2021";
  c.debtor = {"Commune de Saint-Ambroix", "30227", "213002272", "Mairie"};
  c.school_year = SchoolYear(2021);
  c.effective_date = D(2021, 11, 3);
  c.end_date = D(2022, 9, 1);
  c.last_day_in_force = c.end_date;
  c.schools = {{"0300673U", "Maternelle", D(2021, 11, 3), std::nullopt},
               {"0301531B", "Élémentaire", D(2021, 11, 3), std::nullopt}};
  return c;
}

const Tariff kTariff{SchoolYear(2021), 5000, "Convention, art. 5", kDefaultVatTreatment, false, 1};

std::vector<std::string> Uais(const std::vector<TitreLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.uai);
  return out;
}

TEST(BillingDomain, BillableOnlyForItsSchoolYearAndWhenInForce) {
  BillableConvention c = SaintAmbroix();
  EXPECT_TRUE(CheckBillable(c, SchoolYear(2021)).ok());
  EXPECT_THAT(std::string(CheckBillable(c, SchoolYear(2022)).message()), HasSubstr("is for the school year 2021-2022"));
  c.last_day_in_force = D(2021, 11, 2);  // terminated before it took effect
  EXPECT_EQ(CheckBillable(c, SchoolYear(2021)).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(BillingDomain, EverySchoolEnrolledADayInForceIsDueOnce) {
  BillableConvention c = SaintAmbroix();
  c.schools.push_back({"0300009Z", "Joined in January", D(2022, 1, 10), std::nullopt});
  c.schools.push_back({"0300010A", "Left before it took effect", D(2021, 9, 1), D(2021, 11, 2)});
  c.schools.push_back({"0300011B", "Joined after the end", D(2022, 9, 2), std::nullopt});
  c.schools.push_back({"0300012C", "Left on the first day", D(2021, 9, 1), D(2021, 11, 3)});
  const std::vector<TitreLine> lines = DueLines(c, SchoolYear(2021), kTariff, {});
  EXPECT_THAT(Uais(lines), ::testing::ElementsAre("0300673U", "0301531B", "0300009Z", "0300012C"));
  for (const TitreLine& l : lines) EXPECT_EQ(l.amount_cents, 5000);
  // Already billed schools are not due again.
  EXPECT_THAT(Uais(DueLines(c, SchoolYear(2021), kTariff, {"0300673U", "0301531B", "0300012C"})),
              ::testing::ElementsAre("0300009Z"));
}

TEST(BillingDomain, ATitreSumsItsLinesAndCarriesTheTariffTexts) {
  BillableConvention c = SaintAmbroix();
  Titre t = MakeTitre(c, kTariff, DueLines(c, SchoolYear(2021), kTariff, {}), TitreKind::kInitial,
                      D(2021, 11, 3), TitreTemplate());
  EXPECT_EQ(t.year, 2021);
  EXPECT_EQ(t.total_cents, 10000);
  EXPECT_EQ(t.lines.size(), 2u);
  EXPECT_EQ(t.vat_treatment, kDefaultVatTreatment);
  EXPECT_EQ(t.debtor.siren, "213002272");
  t.sequence = 1;
  EXPECT_EQ(t.Name(), "titres/2021-000001");
}

TitreAccount Account() {
  BillableConvention c = SaintAmbroix();
  TitreAccount a;
  a.titre = MakeTitre(c, kTariff, DueLines(c, SchoolYear(2021), kTariff, {}), TitreKind::kInitial,
                      D(2021, 11, 3), TitreTemplate());
  a.titre.sequence = 1;
  return a;
}

TEST(BillingDomain, PaymentsNeverOverpayAndDatesAreCheckedAgainstTheTitre) {
  TitreAccount a = Account();
  EXPECT_TRUE(CheckPayment(a, {0, 4000, D(2021, 11, 20), "VIR", {}}, D(2021, 11, 20)).ok());
  EXPECT_EQ(CheckPayment(a, {0, 0, D(2021, 11, 20), "", {}}, D(2021, 11, 20)).code(),
            absl::StatusCode::kInvalidArgument);  // malformed whatever the state
  const absl::Status future = CheckPayment(a, {0, 4000, D(2021, 11, 21), "VIR", {}}, D(2021, 11, 20));
  EXPECT_EQ(future.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(future.message()), HasSubstr("after today (2021-11-20)"));
  EXPECT_EQ(CheckPayment(a, {0, 4000, D(2021, 11, 2), "VIR", {}}, D(2021, 11, 20)).code(),
            absl::StatusCode::kFailedPrecondition);  // before the titre was issued
  a.payments.push_back({1, 4000, D(2021, 11, 20), "VIR", {}});
  EXPECT_EQ(a.state(), TitreState::kPartiallyPaid);
  const absl::Status over = CheckPayment(a, {0, 6001, D(2021, 11, 20), "VIR 2", {}}, D(2021, 11, 20));
  EXPECT_THAT(std::string(over.message()), HasSubstr("overpayment refused"));
  EXPECT_TRUE(CheckPayment(a, {0, 6000, D(2021, 11, 20), "VIR 2", {}}, D(2021, 11, 20)).ok());
}

TEST(BillingDomain, APaymentReferenceIsRecordedOncePerTitre) {
  TitreAccount a = Account();
  a.payments.push_back({1, 4000, D(2021, 11, 20), "VIR-2021-1120", {}});
  const absl::Status twice = CheckPayment(a, {0, 4000, D(2021, 11, 20), "VIR-2021-1120", {}}, D(2021, 11, 21));
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(twice.message()),
              HasSubstr("'VIR-2021-1120' is already recorded on titres/2021-000001 (payment 1 of 40.00 €"));
  EXPECT_TRUE(CheckPayment(a, {0, 4000, D(2021, 11, 20), "VIR-2021-1121", {}}, D(2021, 11, 21)).ok());
}

TEST(BillingDomain, CorrectionsReduceOrAnnulButNeverRefund) {
  TitreAccount a = Account();
  Correction reduce{0, CorrectionKind::kReduction, 5000, "école fermée", "courrier", D(2021, 11, 20), {}};
  EXPECT_TRUE(CheckCorrection(a, reduce).ok());
  Correction too_much{0, CorrectionKind::kReduction, 10001, "erreur", "pièce", D(2021, 11, 20), {}};
  EXPECT_EQ(CheckCorrection(a, too_much).code(), absl::StatusCode::kFailedPrecondition);
  Correction annul{0, CorrectionKind::kAnnulation, 0, "erreur", "pièce", D(2021, 11, 20), {}};
  ASSERT_TRUE(CheckCorrection(a, annul).ok());
  EXPECT_EQ(annul.amount_cents, 10000) << "an annulation takes the whole balance";
  a.payments.push_back({1, 1000, D(2021, 11, 20), "VIR", {}});
  Correction annul_paid{0, CorrectionKind::kAnnulation, 0, "erreur", "pièce", D(2021, 11, 20), {}};
  EXPECT_THAT(std::string(CheckCorrection(a, annul_paid).message()), HasSubstr("never refunded"));
  Correction no_reason{0, CorrectionKind::kReduction, 100, "", "", D(2021, 11, 20), {}};
  EXPECT_EQ(CheckCorrection(a, no_reason).code(), absl::StatusCode::kInvalidArgument);
}

TEST(BillingDomain, StateFollowsPaymentsAndCorrections) {
  TitreAccount a = Account();
  EXPECT_EQ(a.state(), TitreState::kIssued);
  a.corrections.push_back({1, CorrectionKind::kReduction, 5000, "r", "j", D(2021, 11, 20), {}});
  EXPECT_EQ(a.state(), TitreState::kReduced);
  a.payments.push_back({1, 5000, D(2021, 11, 21), "VIR", {}});
  EXPECT_EQ(a.state(), TitreState::kPaid);
  EXPECT_EQ(a.balance_cents(), 0);
  TitreAccount cancelled = Account();
  cancelled.corrections.push_back({1, CorrectionKind::kAnnulation, 10000, "r", "j", D(2021, 11, 20), {}});
  EXPECT_EQ(cancelled.state(), TitreState::kCancelled);
  EXPECT_EQ(CheckPayment(cancelled, {0, 1, D(2021, 11, 20), "VIR", {}}, D(2021, 11, 20)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(BillingDomain, NoticesChangeWhatBillingKnows) {
  ConventionChange activated;
  activated.kind = ConventionChange::Kind::kActivated;
  activated.convention = "conventions/30227-2021";
  activated.activated = SaintAmbroix();
  ConventionChange amended;
  amended.kind = ConventionChange::Kind::kSchoolsAmended;
  amended.convention = activated.convention;
  amended.school = {"0300673U", "Maternelle", D(2022, 2, 1), std::nullopt};
  amended.added = false;
  EXPECT_EQ(ApplyChange(std::nullopt, amended).status().code(), absl::StatusCode::kFailedPrecondition)
      << "an amendment before the activation";
  auto known = ApplyChange(std::nullopt, activated);
  ASSERT_TRUE(known.ok());
  auto after = ApplyChange(*known, amended);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->schools[0].withdrawn, D(2022, 2, 1));
  ConventionChange ended;
  ended.kind = ConventionChange::Kind::kEnded;
  ended.convention = activated.convention;
  ended.terminated = true;
  ended.last_day_in_force = D(2022, 5, 27);
  EXPECT_EQ(ended.Topic(), "convention.terminated");
  auto terminated = ApplyChange(*after, ended);
  ASSERT_TRUE(terminated.ok());
  EXPECT_TRUE(terminated->ended);
  EXPECT_EQ(terminated->last_day_in_force, D(2022, 5, 27));
}

TEST(BillingDomain, EurosAreFormattedWithCents) {
  EXPECT_EQ(FormatEuros(10000), "100.00 €");
  EXPECT_EQ(FormatEuros(5), "0.05 €");
  EXPECT_EQ(FormatEuros(-250), "-2.50 €");
}

}  // namespace
}  // namespace ent::billing
