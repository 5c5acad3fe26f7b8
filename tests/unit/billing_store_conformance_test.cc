// The contract of billing_store.h, checked against every implementation
// (today SQLite; a PostgreSQL store joins the list of backends below):
// gapless numbering that a failed transaction gives back, titre numbers used
// once, conditional tariff writes, and stored first answers.
#include <functional>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "billing-service/store/billing_records.h"
#include "billing-service/store/sqlite_billing_store.h"
#include "tests/support/service_process.h"

namespace ent::billing {
namespace {

struct Backend {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<BillingStore>>(const std::string& dir)> open;
};

std::vector<Backend> Backends() {
  return {{"sqlite", [](const std::string& dir) -> absl::StatusOr<std::unique_ptr<BillingStore>> {
             auto store = SqliteBillingStore::Open(dir + "/billing.db");
             if (!store.ok()) return store.status();
             return std::unique_ptr<BillingStore>(std::move(*store));
           }}};
}

Titre MakeTitre(int64_t sequence) {
  Titre t;
  t.year = 2021;
  t.sequence = sequence;
  t.convention = "conventions/30227-2021";
  t.school_year = SchoolYear(2021);
  t.debtor = {"Commune de Saint-Ambroix", "30227", "213002272", "Mairie"};
  t.lines = {{"0300673U", "École", 5000, 5000}};
  t.total_cents = 5000;
  t.vat_treatment = kDefaultVatTreatment;
  t.legal_basis = "Convention";
  t.issue_date = CivilDate(2021, 11, 3);
  t.create_time = absl::FromUnixSeconds(1635958800);
  return t;
}

class BillingStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto store = GetParam().open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  template <typename T>
  absl::StatusOr<T> Write(std::function<absl::StatusOr<T>(BillingWriter&)> work) {
    return store_->WriteValueSync<T>(std::move(work));
  }
  absl::StatusOr<int64_t> Take() {
    return Write<int64_t>([](BillingWriter& w) { return w.TakeSequence(2021); });
  }

  testing::TempDir dir_;
  std::unique_ptr<BillingStore> store_;
};

TEST_P(BillingStoreConformance, NumbersAreGaplessAndAFailedTransactionGivesItsNumberBack) {
  EXPECT_EQ(*Take(), 1);
  EXPECT_EQ(*Take(), 2);
  absl::StatusOr<int64_t> failed = Write<int64_t>([](BillingWriter& w) -> absl::StatusOr<int64_t> {
    auto n = w.TakeSequence(2021);
    if (!n.ok()) return n;
    return absl::FailedPreconditionError("the titre is refused after its number was taken");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(*Take(), 3) << "number 3 was not used by the failed transaction";
  EXPECT_EQ(*Write<int64_t>([](BillingWriter& w) { return w.TakeSequence(2022); }), 1)
      << "each calendar year has its own sequence";
  EXPECT_EQ(*store_->ReadValue<int64_t>([](BillingReader& r) { return r.LastSequence(2021); }), 3);
}

TEST_P(BillingStoreConformance, ATitreNumberIsUsedOnceAndTheTitreReadsBackWhole) {
  ASSERT_TRUE(Write<bool>([](BillingWriter& w) -> absl::StatusOr<bool> {
                auto st = w.InsertTitre(MakeTitre(1));
                if (!st.ok()) return st;
                return true;
              }).ok());
  absl::StatusOr<bool> again = Write<bool>([](BillingWriter& w) -> absl::StatusOr<bool> {
    auto st = w.InsertTitre(MakeTitre(1));
    if (!st.ok()) return st;
    return true;
  });
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAborted);
  auto read = store_->ReadValue<std::optional<TitreAccount>>(
      [](BillingReader& r) { return r.GetTitre(2021, 1); });
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->titre.lines.size(), 1u);
  EXPECT_EQ((*read)->titre.texts.issuing_officer, TitreTemplate().issuing_officer);
}

TEST_P(BillingStoreConformance, PutTariffIsConditionalOnTheStoredVersion) {
  Tariff t{SchoolYear(2021), 5000, "Convention", kDefaultVatTreatment, false, 1};
  auto put = [&](const Tariff& tariff) {
    return Write<bool>([&](BillingWriter& w) -> absl::StatusOr<bool> {
             auto st = w.PutTariff(tariff);
             if (!st.ok()) return st;
             return true;
           }).status();
  };
  ASSERT_TRUE(put(t).ok());
  EXPECT_EQ(put(t).code(), absl::StatusCode::kAborted) << "created twice";
  t.version = 2;
  t.unit_price_cents = 6000;
  ASSERT_TRUE(put(t).ok());
  EXPECT_EQ(put(t).code(), absl::StatusCode::kAborted) << "a write based on version 1";
  auto stored = store_->ReadValue<std::optional<Tariff>>(
      [](BillingReader& r) { return r.GetTariff(SchoolYear(2021)); });
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->unit_price_cents, 6000);
  EXPECT_EQ((*stored)->version, 2);
}

TEST_P(BillingStoreConformance, AStoredAnswerComesBackAsSaved) {
  const Payment first{7, 4000, CivilDate(2021, 11, 20), "VIR 1"};
  ASSERT_TRUE(Write<bool>([&](BillingWriter& w) -> absl::StatusOr<bool> {
                auto st = w.SaveRequest({"finance/pay-1", "fingerprint", EncodeAnswer(first)},
                                        absl::FromUnixSeconds(1637400000));
                if (!st.ok()) return st;
                return true;
              }).ok());
  auto in_tx = Write<std::optional<RequestRecord>>(
      [](BillingWriter& w) { return w.FindRequest("finance/pay-1"); });
  ASSERT_TRUE(in_tx.ok() && in_tx->has_value());
  EXPECT_FALSE((*in_tx)->legacy);
  EXPECT_EQ((*in_tx)->fingerprint, "fingerprint");
  Payment back;
  ASSERT_TRUE(DecodeAnswer((*in_tx)->answer, &back).ok());
  EXPECT_EQ(back.reference, "VIR 1");
  EXPECT_EQ(back.id, 7);
}

INSTANTIATE_TEST_SUITE_P(Backends, BillingStoreConformance, ::testing::ValuesIn(Backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace ent::billing
