// The ledger (billing-service/service/ledger.h) on a real store in a
// temporary directory, without a server: one transaction per command,
// authorisation before any replay, request ids scoped per principal, the
// first answer replayed as given, notices applied once.
#include "billing-service/service/ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "billing-service/store/sqlite/sqlite_billing_store.h"
#include "common/clock.h"
#include "tests/support/service_process.h"

namespace ent::billing {
namespace {

using ::testing::HasSubstr;

CivilDate D(int y, int m, int d) { return CivilDate(y, m, d); }

template <typename T>
absl::StatusOr<T> Wait(const std::function<void(Ledger::Callback<T>)>& call) {
  absl::Notification done;
  absl::StatusOr<T> out = absl::UnknownError("not answered");
  call([&](absl::StatusOr<T> r) {
    out = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return out;
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteBillingStore::Open(dir_.path() + "/billing.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ledger_ = std::make_unique<Ledger>(*store_, clock_, TitreTemplate());
    ASSERT_TRUE(Call<Tariff>([&](auto done) {
                  ledger_->SetTariff(Ctx(finance_, "tariff-1"),
                                     Tariff{SchoolYear(2021), 5000, "Convention", "", false, 0},
                                     std::move(done));
                }).ok());
    ConventionChange activated;
    activated.kind = ConventionChange::Kind::kActivated;
    activated.convention = "conventions/30227-2021";
    activated.activated = BillableConvention{
        activated.convention, {"Commune de Saint-Ambroix", "30227", "213002272", "Mairie"},
        SchoolYear(2021), D(2021, 11, 3), D(2022, 9, 1), D(2022, 9, 1), false,
        {{"0300673U", "Maternelle", D(2021, 11, 3), std::nullopt},
         {"0301531B", "Élémentaire", D(2021, 11, 3), std::nullopt}}};
    ASSERT_TRUE(Notify("conventions/30227-2021/activated", activated).value());
  }

  template <typename T>
  absl::StatusOr<T> Call(const std::function<void(Ledger::Callback<T>)>& call) {
    return Wait<T>(call);
  }
  static RequestContext Ctx(const Principal& who, const std::string& id,
                            const std::string& fingerprint = "same") {
    return RequestContext{id, fingerprint, who};
  }
  absl::StatusOr<bool> Notify(const std::string& key, ConventionChange change) {
    return Call<bool>([&](auto done) {
      ledger_->Notify(Ctx(internal_, ""), key, std::move(change), std::move(done));
    });
  }
  absl::StatusOr<TitreAccount> Issue(const Principal& who, const std::string& id,
                                     const std::string& fingerprint = "same") {
    return Call<TitreAccount>([&](auto done) {
      ledger_->IssueTitre(Ctx(who, id, fingerprint), "conventions/30227-2021", SchoolYear(2021),
                          std::move(done));
    });
  }
  absl::StatusOr<Payment> Pay(const std::string& id, int64_t cents) {
    return Call<Payment>([&](auto done) {
      ledger_->RecordPayment(Ctx(finance_, id), 2021, 1, Payment{0, cents, D(2021, 11, 3), "VIR", {}},
                             std::move(done));
    });
  }

  testing::TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1635958800)};  // 2021-11-03T18:00+01:00
  std::unique_ptr<SqliteBillingStore> store_;
  std::unique_ptr<Ledger> ledger_;
  const Principal finance_{"finance", Role::kFinance, {}};
  const Principal finance_2_{"finance-2", Role::kFinance, {}};
  const Principal portal_{"portal-30227", Role::kCommunePortal, {"30227"}};
  const Principal internal_{"convention-service", Role::kInternalService, {}};
};

TEST_F(LedgerTest, ARetryGetsTheFirstAnswerAsItWasGiven) {
  absl::StatusOr<TitreAccount> first = Issue(finance_, "issue-1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->titre.Number(), "2021-000001");
  ASSERT_TRUE(Pay("pay-1", 4000).ok());
  absl::StatusOr<TitreAccount> again = Issue(finance_, "issue-1");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->payments.empty()) << "the answer of the first call, before the payment";
  EXPECT_EQ(again->titre.total_cents, 10000);
  absl::StatusOr<Payment> paid_again = Pay("pay-1", 4000);
  ASSERT_TRUE(paid_again.ok());
  EXPECT_EQ(paid_again->id, 1);
  auto statement = Call<Statement>([&](auto done) { ledger_->GetStatement(finance_, "30227", std::move(done)); });
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(statement->paid_cents, 4000) << "the retried payment was recorded once";
  ASSERT_EQ(statement->titres.size(), 1u);
}

TEST_F(LedgerTest, RequestIdsAreScopedPerPrincipalAndBoundToTheirContent) {
  ASSERT_TRUE(Issue(finance_, "issue-1").ok());
  // Another principal's "issue-1" is its own request: nothing new is due, the
  // latest titre comes back; it is not finance's replay.
  absl::StatusOr<TitreAccount> other = Issue(finance_2_, "issue-1");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->titre.Number(), "2021-000001");
  const absl::StatusOr<TitreAccount> changed = Issue(finance_, "issue-1", "different content");
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(changed.status().message()), HasSubstr("request_id"));
  EXPECT_THAT(std::string(changed.status().message()), HasSubstr("already used by you"));
}

TEST_F(LedgerTest, AuthorisationComesBeforeAnyReplay) {
  ASSERT_TRUE(Issue(finance_, "issue-1").ok());
  EXPECT_EQ(Issue(portal_, "issue-1").status().code(), absl::StatusCode::kPermissionDenied);
  auto statement = Call<Statement>([&](auto done) { ledger_->GetStatement(portal_, "34172", std::move(done)); });
  EXPECT_EQ(statement.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(LedgerTest, ANoticeIsAppliedOnceAndAFailedCommandKeepsNothing) {
  ConventionChange ended;
  ended.kind = ConventionChange::Kind::kEnded;
  ended.convention = "conventions/30227-2021";
  ended.last_day_in_force = D(2021, 11, 2);  // as if it never took effect
  EXPECT_FALSE(Notify("conventions/30227-2021/activated", ended).value()) << "key already seen";
  ASSERT_TRUE(Notify("conventions/30227-2021/terminated", ended).value());
  const absl::StatusOr<TitreAccount> refused = Issue(finance_, "issue-1");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  auto numbering = Call<NumberingReport>([&](auto done) { ledger_->CheckNumbering(finance_, 2021, std::move(done)); });
  ASSERT_TRUE(numbering.ok());
  EXPECT_EQ(numbering->count, 0);
  EXPECT_EQ(numbering->last_sequence, 0) << "the refused command took no number";
  EXPECT_TRUE(numbering->gaps.empty());
}

}  // namespace
}  // namespace ent::billing
