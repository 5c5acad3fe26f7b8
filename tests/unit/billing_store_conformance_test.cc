// The contract of billing_store.h, checked against every implementation
// (SQLite, and PostgreSQL on a throw-away server these tests start): gapless
// numbering that a failed transaction gives back and concurrent issuers
// share, titre numbers used once, locks that serialize read-then-write rules,
// conditional tariff writes, notices recorded once, titre states filtered as
// the domain computes them, and stored first answers.
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "billing-service/store/billing_records.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "common/postgres/connection.h"
#include "billing-service/store/postgres/postgres_billing_store.h"
#include "billing-service/store/sqlite/sqlite_billing_store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/service_process.h"

namespace ent::billing {
namespace {

struct Backend {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<BillingStore>>(const std::string& dir)> open;
};

void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

std::vector<Backend> Backends() {
  return {{"sqlite", [](const std::string& dir) -> absl::StatusOr<std::unique_ptr<BillingStore>> {
             auto store = SqliteBillingStore::Open(dir + "/billing.db");
             if (!store.ok()) return store.status();
             return std::unique_ptr<BillingStore>(std::move(*store));
           }},
          {"postgresql", [](const std::string&) -> absl::StatusOr<std::unique_ptr<BillingStore>> {
             auto server = testing::SharedPostgres();
             if (!server.ok()) return server.status();
             auto uri = (*server)->CreateDatabase();
             if (!uri.ok()) return uri.status();
             auto store = PostgresBillingStore::Open(*uri);
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
  const Payment first{7, 4000, CivilDate(2021, 11, 20), "VIR 1", {}};
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

// Many issuers at once (threads here; instances in production): every
// number once, none skipped.
TEST_P(BillingStoreConformance, ConcurrentIssuersShareOneGaplessSequence) {
  constexpr int kIssuers = 40;
  absl::BlockingCounter pending(kIssuers);
  absl::Mutex mu;
  std::vector<int64_t> taken;
  for (int i = 0; i < kIssuers; ++i) {
    store_->Write(
        [&](BillingWriter& w) -> absl::Status {
          auto n = w.TakeSequence(2021);
          if (!n.ok()) return n.status();
          absl::Status st = w.InsertTitre(MakeTitre(*n));
          if (st.ok()) {
            absl::MutexLock lock(&mu);
            taken.push_back(*n);
          }
          return st;
        },
        [&](absl::Status st) {
          EXPECT_TRUE(st.ok()) << st;
          pending.DecrementCount();
        });
  }
  pending.Wait();
  auto sequences = store_->ReadValue<std::vector<int64_t>>([](BillingReader& r) { return r.SequencesOf(2021); });
  ASSERT_TRUE(sequences.ok());
  std::vector<int64_t> expected(kIssuers);
  for (int i = 0; i < kIssuers; ++i) expected[i] = i + 1;
  EXPECT_EQ(*sequences, expected);
}

// The rule "bill a convention once" reads, then writes: under LockConvention,
// concurrent writers see each other's titre and only one bills.
TEST_P(BillingStoreConformance, LockConventionSerializesReadThenWrite) {
  constexpr int kWriters = 12;
  absl::BlockingCounter pending(kWriters);
  std::atomic<int> billed{0};
  for (int i = 0; i < kWriters; ++i) {
    store_->Write(
        [&](BillingWriter& w) -> absl::Status {
          if (auto st = w.LockConvention("conventions/30227-2021"); !st.ok()) return st;
          auto existing = w.TitresOf("conventions/30227-2021", SchoolYear(2021));
          if (!existing.ok()) return existing.status();
          if (!existing->empty()) return absl::OkStatus();
          auto n = w.TakeSequence(2021);
          if (!n.ok()) return n.status();
          if (auto st = w.InsertTitre(MakeTitre(*n)); !st.ok()) return st;
          ++billed;
          return absl::OkStatus();
        },
        [&](absl::Status st) {
          EXPECT_TRUE(st.ok()) << st;
          pending.DecrementCount();
        });
  }
  pending.Wait();
  auto titres = store_->ReadValue<std::vector<TitreAccount>>(
      [](BillingReader& r) { return r.TitresOf("conventions/30227-2021", SchoolYear(2021)); });
  ASSERT_TRUE(titres.ok());
  EXPECT_EQ(titres->size(), 1u);
}

// The tariff rule under concurrency, stepped as PostgreSQL's isolation tests
// step sessions: a transaction issuing a titre at the tariff pauses before
// its commit; a change of that tariff (as the ledger makes it: read it,
// refuse if used, write the next version) must then wait - the test sees it
// blocked on a lock - and, once the titre commits, be refused: exactly one
// of the two succeeds. In the other order, the issuing transaction waits for
// the change and prices the titre at the changed tariff. (SQLite has one
// writer: the two cannot interleave.)
class TariffInterleaving : public BillingStoreConformance {
 protected:
  void SetUp() override {
    if (GetParam().name != "postgresql") GTEST_SKIP() << "one writer: transactions do not interleave";
    BillingStoreConformance::SetUp();
    ASSERT_TRUE(Write<bool>([](BillingWriter& w) -> absl::StatusOr<bool> {
                  auto st = w.PutTariff({SchoolYear(2021), 5000, "Convention", kDefaultVatTreatment, false, 1});
                  if (!st.ok()) return st;
                  return true;
                }).ok());
  }
  // Issues titre 1 at the tariff, pausing before the commit until `go`.
  absl::Status Issue(absl::Notification& paused, absl::Notification& go, int64_t* priced_at) {
    return Write<bool>([&](BillingWriter& w) -> absl::StatusOr<bool> {
             auto tariff = w.GetTariff(SchoolYear(2021));
             if (!tariff.ok()) return tariff.status();
             if (!tariff->has_value()) return absl::FailedPreconditionError("no tariff");
             auto n = w.TakeSequence(2021);
             if (!n.ok()) return n.status();
             Titre t = MakeTitre(*n);
             t.lines[0].unit_price_cents = t.lines[0].amount_cents = t.total_cents =
                 (*tariff)->unit_price_cents;
             if (auto st = w.InsertTitre(t); !st.ok()) return st;
             *priced_at = (*tariff)->unit_price_cents;
             paused.Notify();
             go.WaitForNotification();
             return true;
           })
        .status();
  }
  // The ledger's SetTariff, pausing before the commit until `go`.
  absl::Status Change(int64_t price, absl::Notification* paused, absl::Notification* go) {
    return Write<bool>([&](BillingWriter& w) -> absl::StatusOr<bool> {
             auto current = w.GetTariff(SchoolYear(2021));
             if (!current.ok()) return current.status();
             if ((*current)->locked) return absl::FailedPreconditionError("used by an issued titre");
             Tariff next = **current;
             next.unit_price_cents = price;
             next.version = (*current)->version + 1;
             if (auto st = w.PutTariff(next); !st.ok()) return st;
             // Read back (a deferred write is sent with the next statement:
             // the change is then made, and its row locked, before the pause).
             auto written = w.GetTariff(SchoolYear(2021));
             if (!written.ok()) return written.status();
             if ((*written)->version != next.version) return absl::InternalError("not written");
             if (paused != nullptr) paused->Notify();
             if (go != nullptr) go->WaitForNotification();
             return true;
           })
        .status();
  }
};

TEST_P(TariffInterleaving, AChangeWaitingForATitreIssuedAtTheTariffIsRefused) {
  absl::Notification issued, commit_titre;
  int64_t priced_at = 0;
  absl::Status issue, change;
  std::atomic<bool> change_done{false};
  std::thread t1([&] { issue = Issue(issued, commit_titre, &priced_at); });
  issued.WaitForNotification();  // T1: titre inserted, not committed
  std::thread t2([&] {
    change = Change(6000, nullptr, nullptr);
    change_done = true;
  });
  // T2 must block on T1's lock of the tariff (not change it underneath).
  const bool blocked =
      testing::AwaitLockWaiters(**testing::SharedPostgres(), 1, [&] { return change_done.load(); });
  EXPECT_TRUE(blocked) << "the tariff change did not wait for the issuing transaction: " << change;
  commit_titre.Notify();
  t1.join();
  t2.join();
  EXPECT_TRUE(issue.ok()) << issue;
  EXPECT_EQ(change.code(), absl::StatusCode::kFailedPrecondition) << change;
  EXPECT_EQ(priced_at, 5000);
  auto tariff = store_->ReadValue<std::optional<Tariff>>(
      [](BillingReader& r) { return r.GetTariff(SchoolYear(2021)); });
  ASSERT_TRUE(tariff.ok() && tariff->has_value());
  EXPECT_EQ((*tariff)->unit_price_cents, 5000) << "the titre's tariff still exists";
  EXPECT_EQ((*tariff)->version, 1);
  EXPECT_TRUE((*tariff)->locked);
}

TEST_P(TariffInterleaving, ATitreIssuedWhileTheTariffChangesIsPricedAtTheChangedTariff) {
  absl::Notification changed, commit_change, issued, commit_titre;
  absl::Status change, issue;
  int64_t priced_at = 0;
  std::atomic<bool> issue_done{false};
  std::thread t2([&] { change = Change(6000, &changed, &commit_change); });
  changed.WaitForNotification();  // T2: tariff version 2 written, not committed
  std::thread t1([&] {
    issue = Issue(issued, commit_titre, &priced_at);
    issue_done = true;
  });
  commit_titre.Notify();  // T1 commits as soon as it has issued
  const bool blocked =
      testing::AwaitLockWaiters(**testing::SharedPostgres(), 1, [&] { return issue_done.load(); });
  EXPECT_TRUE(blocked) << "the issuing transaction read a tariff being changed";
  commit_change.Notify();
  t2.join();
  t1.join();
  EXPECT_TRUE(change.ok()) << change;
  EXPECT_TRUE(issue.ok()) << issue;
  EXPECT_EQ(priced_at, 6000) << "priced at the tariff as changed";
}

INSTANTIATE_TEST_SUITE_P(Backends, TariffInterleaving, ::testing::ValuesIn(Backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

TEST_P(BillingStoreConformance, ANoticeIsRecordedOnce) {
  auto record = [&] {
    return Write<bool>([](BillingWriter& w) {
      return w.RecordNotice("convention-changed:30227-2021:v3", "convention.changed",
                            absl::FromUnixSeconds(1637400000));
    });
  };
  EXPECT_TRUE(*record());
  EXPECT_FALSE(*record()) << "the second delivery of the same notice";
}

// The state filter (SQL) agrees with TitreAccount::state() (the domain).
TEST_P(BillingStoreConformance, TitreStatesAreFilteredAsTheDomainComputesThem) {
  const absl::Time now = absl::FromUnixSeconds(1637400000);
  ASSERT_TRUE(Write<bool>([&](BillingWriter& w) -> absl::StatusOr<bool> {
                for (int64_t n = 1; n <= 4; ++n) {
                  if (auto st = w.InsertTitre(MakeTitre(n)); !st.ok()) return st;
                }
                // 2: partly paid; 3: paid; 4: annulled.
                for (auto [seq, cents] : {std::pair<int64_t, int64_t>{2, 1000}, {3, 5000}}) {
                  auto id = w.InsertPayment(
                      2021, seq,
                      Payment{0, cents, CivilDate(2021, 12, 1), "VIR",
                              {"Paul Durand <paul.durand@ac-montpellier.fr> (finance, academie:b7e2)",
                               "Paul Durand", "paul.durand@ac-montpellier.fr"}},
                      now);
                  if (!id.ok()) return id.status();
                }
                auto c = w.InsertCorrection(2021, 4,
                                            Correction{0, CorrectionKind::kAnnulation, 5000, "erreur",
                                                       "pièce", CivilDate(2021, 12, 2),
                                                       {"finance-rectorat", "", ""}},
                                            now);
                if (!c.ok()) return c.status();
                return true;
              }).ok());
  for (TitreState state : {TitreState::kIssued, TitreState::kPartiallyPaid, TitreState::kPaid,
                           TitreState::kCancelled}) {
    TitreFilter filter;
    filter.state = state;
    auto listed = store_->ReadValue<std::vector<TitreAccount>>(
        [&](BillingReader& r) { return r.ListTitres(filter, {0, 0}, 100); });
    ASSERT_TRUE(listed.ok()) << listed.status();
    ASSERT_EQ(listed->size(), 1u) << static_cast<int>(state);
    EXPECT_EQ((*listed)[0].state(), state);
    // Who recorded each payment and correction reads back.
    for (const Payment& p : (*listed)[0].payments) EXPECT_EQ(p.recorded_by.display_name, "Paul Durand");
    for (const Correction& c : (*listed)[0].corrections) {
      EXPECT_EQ(c.recorded_by.actor, "finance-rectorat");
      EXPECT_TRUE(c.recorded_by.email.empty());
    }
  }
}

TEST_P(BillingStoreConformance, RetentionPrunesOldAnswersOnly) {
  ASSERT_TRUE(Write<bool>([&](BillingWriter& w) -> absl::StatusOr<bool> {
                for (int i = 0; i < 5; ++i) {
                  auto st = w.SaveRequest({absl::StrCat("finance/old-", i), "f", "a"},
                                          absl::FromUnixSeconds(1000 + i));
                  if (!st.ok()) return st;
                }
                auto st = w.SaveRequest({"finance/new", "f", "a"}, absl::FromUnixSeconds(5000));
                if (!st.ok()) return st;
                return true;
              }).ok());
  EXPECT_EQ(*Write<int64_t>([](BillingWriter& w) { return w.PruneBefore(absl::FromUnixSeconds(2000), 3); }), 3);
  EXPECT_EQ(*Write<int64_t>([](BillingWriter& w) { return w.PruneBefore(absl::FromUnixSeconds(2000), 3); }), 2);
  auto kept = Write<std::optional<RequestRecord>>([](BillingWriter& w) { return w.FindRequest("finance/new"); });
  EXPECT_TRUE(kept.ok() && kept->has_value());
}

// The totals per school year (metrics) follow every titre, payment and
// correction, and read the same after retention has run (on PostgreSQL it
// folds the amounts appended by each insert).
TEST_P(BillingStoreConformance, TotalsFollowTitresPaymentsAndCorrectionsAcrossRetention) {
  ASSERT_TRUE(Write<bool>([](BillingWriter& w) -> absl::StatusOr<bool> {
                for (int64_t n = 1; n <= 3; ++n) {
                  Titre t = MakeTitre(n);
                  if (n == 3) t.school_year = SchoolYear(2022);
                  if (auto st = w.InsertTitre(t); !st.ok()) return st;
                }
                auto paid = w.InsertPayment(2021, 1, {0, 3000, CivilDate(2021, 12, 1), "virement", {}},
                                            absl::FromUnixSeconds(1640000000));
                if (!paid.ok()) return paid.status();
                auto corrected = w.InsertCorrection(
                    2021, 2, {0, CorrectionKind::kReduction, 1000, "école fermée", "délibération", CivilDate(2021, 12, 2), {}},
                    absl::FromUnixSeconds(1640000000));
                if (!corrected.ok()) return corrected.status();
                return true;
              }).ok());
  auto totals = [&] {
    auto t = store_->ReadValue<std::vector<SchoolYearTotals>>([](BillingReader& r) { return r.Totals(); });
    EXPECT_TRUE(t.ok()) << t.status();
    std::vector<std::string> out;
    for (const SchoolYearTotals& y : t.value_or(std::vector<SchoolYearTotals>())) {
      out.push_back(absl::StrCat(y.school_year, " ", y.titres, " ", y.issued_cents, " ", y.paid_cents, " ",
                                 y.corrected_cents));
    }
    return out;
  };
  const std::vector<std::string> expected = {"2021-2022 2 10000 3000 1000", "2022-2023 1 5000 0 0"};
  EXPECT_EQ(totals(), expected);
  ASSERT_TRUE(Write<int64_t>([](BillingWriter& w) { return w.PruneBefore(absl::FromUnixSeconds(2000), 100); }).ok());
  EXPECT_EQ(totals(), expected) << "after retention";
  ASSERT_TRUE(Write<bool>([](BillingWriter& w) -> absl::StatusOr<bool> {
                auto paid = w.InsertPayment(2021, 3, {0, 5000, CivilDate(2022, 1, 5), "chèque", {}},
                                            absl::FromUnixSeconds(1640000000));
                if (!paid.ok()) return paid.status();
                return true;
              }).ok());
  EXPECT_EQ(totals(), (std::vector<std::string>{"2021-2022 2 10000 3000 1000", "2022-2023 1 5000 5000 0"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, BillingStoreConformance, ::testing::ValuesIn(Backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace ent::billing
