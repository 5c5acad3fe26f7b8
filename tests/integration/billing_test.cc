// billing-service against the real binaries: alone (tariffs, titres,
// numbering under concurrency, payments, corrections, immutability) and with
// convention-service delivering its notices through the outbox.
#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>


#include <set>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/proto_dates.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/support/communes.h"
#include "tests/support/service_pair.h"
#include "tests/support/service_process.h"
#include "tests/support/sqlite_peek.h"
#include "tests/support/store_peek.h"
#include "tests/support/test_principals.h"

namespace ent::billing {
namespace {

namespace bv1 = ::ent::billing::v1;
namespace cv1 = ::ent::convention::v1;
namespace tv1 = ::ent::testing::v1;
using testing::Date;
using testing::Iso;
using testing::TestPrincipals;
using ::testing::HasSubstr;

std::string NextId() {
  static std::atomic<int> n{0};
  return "bill-" + std::to_string(++n);
}

// An activation notice as convention-service writes it.
std::string ActivatedPayload(const std::string& convention, const std::string& insee, int schools) {
  std::string list;
  for (int i = 0; i < schools; ++i) {
    absl::StrAppend(&list, i ? "," : "", "{\"uai\":\"03", insee, i, "X\",\"name\":\"ECOLE ", i,
                    "\",\"enrolled_date\":\"2021-11-03\"}");
  }
  return absl::StrCat("{\"convention\":\"", convention, "\",\"commune\":{\"insee_code\":\"", insee,
                      "\",\"siren\":\"213002272\",\"name\":\"Commune ", insee,
                      "\",\"address\":\"Mairie\"},\"school_year\":\"2021-2022\","
                      "\"effective_date\":\"2021-11-03\",\"end_date\":\"2022-08-31\",\"schools\":[",
                      list, "]}");
}

class BillingTest : public ::testing::Test {
 protected:
  void SetUp() override { StartBilling("127.0.0.1:0"); }

  void StartBilling(const std::string& listen) {
    billing_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("billing-service/ent-billing-service"), billing_dir_.path(),
        std::vector<std::string>{"--principals=" + principals_.path(),
                                 "--clock=simulated:2021-11-20T10:00:00+01:00"},
        listen);
    ASSERT_TRUE(billing_->Start().ok());
    stub_ = bv1::BillingService::NewStub(billing_->Channel());
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    principals_.Authorize(*ctx, who);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return ctx;
  }

  grpc::Status SetTariff(int64_t cents) {
    bv1::SetTariffRequest req;
    req.set_request_id(NextId());
    req.mutable_tariff()->set_school_year("2021-2022");
    req.mutable_tariff()->set_unit_price_cents(cents);
    req.mutable_tariff()->set_legal_basis("Convention ENT-école, articles 5 à 7");
    bv1::Tariff out;
    return stub_->SetTariff(As(TestPrincipals::kFinance).get(), req, &out);
  }

  grpc::Status Notify(const std::string& topic, const std::string& key, const std::string& payload,
                      bool* applied = nullptr) {
    bv1::NotifyConventionChangeRequest req;
    req.set_topic(topic);
    req.set_idempotency_key(key);
    req.set_payload(payload);
    bv1::NotifyConventionChangeResponse out;
    grpc::Status st = stub_->NotifyConventionChange(As(TestPrincipals::kInternal).get(), req, &out);
    if (applied != nullptr) *applied = out.applied();
    return st;
  }

  grpc::Status Issue(const std::string& convention, const std::string& year, bv1::Titre* out,
                     const std::string& who = TestPrincipals::kFinance) {
    bv1::IssueTitreRequest req;
    req.set_convention(convention);
    req.set_school_year(year);
    req.set_request_id(NextId());
    return stub_->IssueTitre(As(who).get(), req, out);
  }

  bv1::CheckNumberingResponse Numbering(int year) {
    bv1::CheckNumberingRequest req;
    req.set_year(year);
    bv1::CheckNumberingResponse out;
    EXPECT_TRUE(stub_->CheckNumbering(As(TestPrincipals::kFinance).get(), req, &out).ok());
    return out;
  }

  testing::TempDir billing_dir_;
  testing::TestPrincipals principals_{billing_dir_.path()};
  std::unique_ptr<testing::ServiceProcess> billing_;
  std::unique_ptr<bv1::BillingService::Stub> stub_;
};

TEST_F(BillingTest, TitreForTwoSchoolsIsIdempotentAndImmutable) {
  ASSERT_TRUE(SetTariff(5000).ok());
  ASSERT_TRUE(Notify("convention.activated", "conventions/c1/activated",
                     ActivatedPayload("conventions/c1", "30227", 2)).ok());
  bv1::Titre t;
  ASSERT_TRUE(Issue("conventions/c1", "2021-2022", &t).ok());
  EXPECT_EQ(t.name(), "titres/2021-000001");
  EXPECT_EQ(t.lines_size(), 2);
  EXPECT_EQ(t.total_cents(), 10000);
  EXPECT_EQ(t.lines(0).unit_price_cents(), 5000);
  EXPECT_EQ(t.debtor().siren(), "213002272");
  EXPECT_EQ(t.vat_treatment(), "TVA non applicable, art. 256 B du CGI");
  EXPECT_EQ(Iso(t.issue_date()), "2021-11-20");
  EXPECT_THAT(t.appeal_routes(), HasSubstr("Tribunal administratif"));
  EXPECT_FALSE(t.issuing_officer().empty());
  bv1::Titre again;
  ASSERT_TRUE(Issue("conventions/c1", "2021-2022", &again).ok());
  EXPECT_EQ(again.name(), t.name());
  // The tariff is now locked.
  EXPECT_EQ(SetTariff(6000).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // A school enrolled later: a supplementary titre for it only.
  ASSERT_TRUE(Notify("convention.schools_amended", "conventions/c1/amendment/v9/0300009Z",
                     "{\"convention\":\"conventions/c1\",\"amendment\":{\"uai\":\"0300009Z\","
                     "\"name\":\"ECOLE NOUVELLE\",\"change\":\"added\",\"date\":\"2022-01-10\"}}")
                  .ok());
  bv1::Titre supplementary;
  ASSERT_TRUE(Issue("conventions/c1", "2021-2022", &supplementary).ok());
  EXPECT_EQ(supplementary.name(), "titres/2021-000002");
  EXPECT_EQ(supplementary.kind(), bv1::Titre::KIND_SUPPLEMENTARY);
  ASSERT_EQ(supplementary.lines_size(), 1);
  EXPECT_EQ(supplementary.lines(0).uai(), "0300009Z");
  // The database itself (SQLite or PostgreSQL) refuses to change an issued titre.
  const std::string db_path = billing_dir_.path() + "/billing.db";
  absl::Status update = testing::StoreExecute(*billing_, db_path, "billing", "UPDATE titres SET total_cents = 1");
  EXPECT_FALSE(update.ok());
  EXPECT_THAT(std::string(update.message()), HasSubstr("never changes"));
  EXPECT_FALSE(testing::StoreExecute(*billing_, db_path, "billing", "DELETE FROM titre_lines").ok());
}

// A retried request gets its first answer as it was given, not a body
// rebuilt from what happened since (Stripe's idempotency keys).
TEST_F(BillingTest, RetriedIssueTitreGetsItsFirstAnswer) {
  ASSERT_TRUE(SetTariff(5000).ok());
  ASSERT_TRUE(Notify("convention.activated", "k1", ActivatedPayload("conventions/c1", "30227", 2)).ok());
  bv1::IssueTitreRequest issue;
  issue.set_convention("conventions/c1");
  issue.set_school_year("2021-2022");
  issue.set_request_id("issue-once");
  bv1::Titre first;
  ASSERT_TRUE(stub_->IssueTitre(As(TestPrincipals::kFinance).get(), issue, &first).ok());
  EXPECT_EQ(first.state(), bv1::Titre::STATE_ISSUED);
  bv1::RecordPaymentRequest pay;
  pay.set_titre(first.name());
  pay.set_request_id("pay-once");
  pay.mutable_payment()->set_amount_cents(4000);
  *pay.mutable_payment()->mutable_received_date() = Date(2021, 11, 20);
  pay.mutable_payment()->set_reference("VIR-2021-1120");
  bv1::Payment paid;
  ASSERT_TRUE(stub_->RecordPayment(As(TestPrincipals::kFinance).get(), pay, &paid).ok());

  bv1::Titre retried;
  ASSERT_TRUE(stub_->IssueTitre(As(TestPrincipals::kFinance).get(), issue, &retried).ok());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(retried.state(), bv1::Titre::STATE_ISSUED);  // today it is partly paid
  bv1::Payment paid_again;
  ASSERT_TRUE(stub_->RecordPayment(As(TestPrincipals::kFinance).get(), pay, &paid_again).ok());
  EXPECT_EQ(paid_again.SerializeAsString(), paid.SerializeAsString());
  bv1::GetTitreRequest get;
  get.set_name(first.name());
  bv1::Titre now;
  ASSERT_TRUE(stub_->GetTitre(As(TestPrincipals::kFinance).get(), get, &now).ok());
  EXPECT_EQ(now.state(), bv1::Titre::STATE_PARTIALLY_PAID);
  EXPECT_EQ(now.paid_cents(), 4000);  // the retried payment was not recorded twice
}

// IssueTitre's refusals say why in a machine-readable reason (ErrorInfo):
// retry later (no tariff yet, notice not arrived yet) or never (nothing due).
TEST_F(BillingTest, IssueRefusalsCarryAReasonClientsCanBranchOn) {
  auto reason_of = [](const grpc::Status& st) {
    google::rpc::Status details;
    if (!details.ParseFromString(st.error_details())) return std::string("(no details)");
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) return info.domain() + "/" + info.reason();
    }
    return std::string("(no ErrorInfo)");
  };
  bv1::Titre t;
  grpc::Status st = Issue("conventions/c1", "2021-2022", &t);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(reason_of(st), "billing.ent.ac-montpellier.fr/TARIFF_MISSING");
  ASSERT_TRUE(SetTariff(5000).ok());
  st = Issue("conventions/c1", "2021-2022", &t);
  EXPECT_EQ(reason_of(st), "billing.ent.ac-montpellier.fr/CONVENTION_NOT_NOTIFIED");
  ASSERT_TRUE(Notify("convention.activated", "conventions/c1/activated",
                     ActivatedPayload("conventions/c1", "30227", 2)).ok());
  ASSERT_TRUE(Issue("conventions/c1", "2021-2022", &t).ok());
  ASSERT_TRUE(Notify("convention.activated", "conventions/c2/activated",
                     ActivatedPayload("conventions/c2", "30007", 0)).ok());
  st = Issue("conventions/c2", "2021-2022", &t);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(reason_of(st), "billing.ent.ac-montpellier.fr/NOTHING_DUE") << st.error_message();
}

// ListTitres filters by state in the store (the state derives from payments
// and corrections): one titre in each state, each found alone when paging
// with page_size 1 under its state, and as GetTitre states it.
TEST_F(BillingTest, ListTitresFiltersByStatePageByPage) {
  ASSERT_TRUE(SetTariff(5000).ok());
  std::vector<std::string> names;
  for (int i = 1; i <= 5; ++i) {
    const std::string convention = absl::StrCat("conventions/s", i);
    ASSERT_TRUE(Notify("convention.activated", convention + "/activated",
                       ActivatedPayload(convention, absl::StrCat(30000 + i), 2)).ok());
    bv1::Titre t;
    ASSERT_TRUE(Issue(convention, "2021-2022", &t).ok());
    names.push_back(t.name());
  }
  auto pay = [&](const std::string& titre, int64_t cents) {
    bv1::RecordPaymentRequest req;
    req.set_titre(titre);
    req.set_request_id(NextId());
    req.mutable_payment()->set_amount_cents(cents);
    *req.mutable_payment()->mutable_received_date() = Date(2021, 11, 20);
    req.mutable_payment()->set_reference("VIR");
    bv1::Payment out;
    return stub_->RecordPayment(As(TestPrincipals::kFinance).get(), req, &out);
  };
  auto correct = [&](const std::string& titre, bv1::Correction::Kind kind, int64_t cents) {
    bv1::CreateCorrectionRequest req;
    req.set_titre(titre);
    req.set_request_id(NextId());
    req.mutable_correction()->set_kind(kind);
    req.mutable_correction()->set_amount_cents(cents);
    req.mutable_correction()->set_reason("erreur");
    req.mutable_correction()->set_justification("courrier");
    bv1::Correction out;
    return stub_->CreateCorrection(As(TestPrincipals::kFinance).get(), req, &out);
  };
  // names[0] stays ISSUED.
  ASSERT_TRUE(pay(names[1], 4000).ok());                                       // PARTIALLY_PAID
  ASSERT_TRUE(pay(names[2], 10000).ok());                                      // PAID
  ASSERT_TRUE(correct(names[3], bv1::Correction::KIND_REDUCTION, 5000).ok());  // REDUCED
  ASSERT_TRUE(correct(names[4], bv1::Correction::KIND_ANNULATION, 0).ok());    // CANCELLED
  const bv1::Titre::State states[] = {bv1::Titre::STATE_ISSUED, bv1::Titre::STATE_PARTIALLY_PAID,
                                      bv1::Titre::STATE_PAID, bv1::Titre::STATE_REDUCED,
                                      bv1::Titre::STATE_CANCELLED};
  for (int i = 0; i < 5; ++i) {
    std::vector<std::string> found;
    bv1::ListTitresRequest req;
    req.set_state(states[i]);
    req.set_page_size(1);
    int pages = 0;
    do {
      bv1::ListTitresResponse out;
      ASSERT_TRUE(stub_->ListTitres(As(TestPrincipals::kFinance).get(), req, &out).ok());
      for (const auto& t : out.titres()) {
        found.push_back(t.name());
        EXPECT_EQ(t.state(), states[i]) << t.name();
      }
      req.set_page_token(out.next_page_token());
      ASSERT_LT(++pages, 10);
    } while (!req.page_token().empty());
    EXPECT_EQ(found, std::vector<std::string>{names[i]}) << bv1::Titre::State_Name(states[i]);
  }
}

TEST_F(BillingTest, PaymentsAndCorrectionsNeverOverpayNorRefund) {
  ASSERT_TRUE(SetTariff(5000).ok());
  ASSERT_TRUE(Notify("convention.activated", "k1", ActivatedPayload("conventions/c1", "30227", 2)).ok());
  bv1::Titre t;
  ASSERT_TRUE(Issue("conventions/c1", "2021-2022", &t).ok());
  int transfers = 0;
  auto pay = [&](int64_t cents, std::string reference = "") {
    bv1::RecordPaymentRequest req;
    req.set_titre(t.name());
    req.set_request_id(NextId());
    req.mutable_payment()->set_amount_cents(cents);
    *req.mutable_payment()->mutable_received_date() = Date(2021, 11, 20);
    if (reference.empty()) reference = "VIR-2021-1120-" + std::to_string(++transfers);
    req.mutable_payment()->set_reference(reference);
    bv1::Payment out;
    return stub_->RecordPayment(As(TestPrincipals::kFinance).get(), req, &out);
  };
  auto correct = [&](bv1::Correction::Kind kind, int64_t cents) {
    bv1::CreateCorrectionRequest req;
    req.set_titre(t.name());
    req.set_request_id(NextId());
    req.mutable_correction()->set_kind(kind);
    req.mutable_correction()->set_amount_cents(cents);
    req.mutable_correction()->set_reason("école fermée comptée à tort");
    req.mutable_correction()->set_justification("courrier de la mairie du 15/11/2021");
    bv1::Correction out;
    return stub_->CreateCorrection(As(TestPrincipals::kFinance).get(), req, &out);
  };
  ASSERT_TRUE(pay(4000, "VIR-2021-1120").ok());
  // The same transfer entered again (a new request id, so not a retry):
  // refused, naming the payment already recorded.
  grpc::Status st = pay(4000, "VIR-2021-1120");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("'VIR-2021-1120' is already recorded on titres/2021-000001"));
  st = pay(7000);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("overpayment refused"));
  EXPECT_EQ(correct(bv1::Correction::KIND_ANNULATION, 0).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // partly paid: no refund
  ASSERT_TRUE(correct(bv1::Correction::KIND_REDUCTION, 5000).ok());
  ASSERT_TRUE(pay(1000).ok());
  bv1::GetStatementRequest sreq;
  sreq.set_commune_insee_code("30227");
  bv1::Statement s;
  ASSERT_TRUE(stub_->GetStatement(As(TestPrincipals::kPortal30227).get(), sreq, &s).ok());
  EXPECT_EQ(s.total_cents(), 10000);
  EXPECT_EQ(s.corrected_cents(), 5000);
  EXPECT_EQ(s.paid_cents(), 5000);
  EXPECT_EQ(s.balance_cents(), 0);
  ASSERT_EQ(s.entries_size(), 1);
  EXPECT_EQ(s.entries(0).titre().state(), bv1::Titre::STATE_PAID);
  EXPECT_EQ(s.entries(0).payments_size(), 2);
  sreq.set_commune_insee_code("34172");
  EXPECT_EQ(stub_->GetStatement(As(TestPrincipals::kPortal30227).get(), sreq, &s).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(BillingTest, OnlyFinanceManagesAndOnlyTheOutboxNotifies) {
  ASSERT_TRUE(SetTariff(5000).ok());
  ASSERT_TRUE(Notify("convention.activated", "k1", ActivatedPayload("conventions/c1", "30227", 1)).ok());
  bv1::Titre t;
  for (const char* who : {TestPrincipals::kRectorat, TestPrincipals::kSupport,
                          TestPrincipals::kInternal, TestPrincipals::kPortal30227}) {
    EXPECT_EQ(Issue("conventions/c1", "2021-2022", &t, who).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << who;
  }
  bv1::NotifyConventionChangeRequest notice;
  notice.set_topic("convention.activated");
  notice.set_idempotency_key("forged");
  notice.set_payload(ActivatedPayload("conventions/c9", "30227", 1));
  bv1::NotifyConventionChangeResponse out;
  EXPECT_EQ(stub_->NotifyConventionChange(As(TestPrincipals::kFinance).get(), notice, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Issue("conventions/c1", "2021-2022", &t).ok());
  bv1::GetTitreRequest get;
  get.set_name(t.name());
  for (const char* who : {TestPrincipals::kRectorat, TestPrincipals::kSupport,
                          TestPrincipals::kFinance, TestPrincipals::kPortal30227}) {
    bv1::Titre read;
    EXPECT_TRUE(stub_->GetTitre(As(who).get(), get, &read).ok()) << who;
  }
  bv1::Titre read;
  EXPECT_EQ(stub_->GetTitre(As(TestPrincipals::kPortal34172).get(), get, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  get.set_name("titres/2021-000099");
  EXPECT_EQ(stub_->GetTitre(As(TestPrincipals::kPortal34172).get(), get, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->GetTitre(As(TestPrincipals::kFinance).get(), get, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // A repeated notice is acknowledged and ignored.
  bool applied = true;
  ASSERT_TRUE(Notify("convention.activated", "k1", ActivatedPayload("conventions/c1", "30227", 1), &applied).ok());
  EXPECT_FALSE(applied);
}

// 32 concurrent issuers and a campaign over 300 conventions: the sequence is
// gapless and duplicate-free, each convention billed once.
TEST_F(BillingTest, ConcurrentIssuingAndACampaignKeepNumberingGapless) {
  ASSERT_TRUE(SetTariff(5000).ok());
  constexpr int kConventions = 300;
  for (int i = 0; i < kConventions; ++i) {
    const std::string name = absl::StrCat("conventions/n", i);
    ASSERT_TRUE(Notify("convention.activated", name + "/activated",
                       ActivatedPayload(name, std::to_string(30001 + i), 1 + i % 3)).ok());
  }
  std::vector<std::thread> issuers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 32; ++t) {
    issuers.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        bv1::Titre out;
        if (!Issue(absl::StrCat("conventions/n", (t * 37 + k * 11) % kConventions), "2021-2022", &out).ok()) {
          failures++;
        }
      }
    });
  }
  bv1::RunBillingCampaignRequest campaign;
  campaign.set_school_year("2021-2022");
  campaign.set_request_id(NextId());
  bv1::RunBillingCampaignResponse result;
  ASSERT_TRUE(stub_->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &result).ok());
  for (auto& t : issuers) t.join();
  EXPECT_EQ(failures.load(), 0);
  const auto report = Numbering(2021);
  EXPECT_EQ(report.count(), kConventions);
  EXPECT_EQ(report.last_sequence(), kConventions);
  EXPECT_EQ(report.gaps_size(), 0);
  EXPECT_EQ(report.duplicates_size(), 0);
  // Re-running the campaign issues nothing more; the reply counts every
  // convention and lists the first 100 (max_listed's default).
  campaign.set_request_id(NextId());
  ASSERT_TRUE(stub_->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &result).ok());
  EXPECT_EQ(result.issued_size(), 0);
  EXPECT_EQ(result.issued_count(), 0);
  EXPECT_EQ(result.skipped_count(), kConventions);
  EXPECT_EQ(result.skipped_size(), 100);
  EXPECT_THAT(result.skipped(0).reason(), HasSubstr("already billed"));
  campaign.set_request_id(NextId());
  campaign.set_max_listed(1000);
  ASSERT_TRUE(stub_->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &result).ok());
  EXPECT_EQ(result.skipped_size(), kConventions);
  campaign.set_request_id(NextId());
  campaign.set_max_listed(1001);
  grpc::Status st = stub_->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &result);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("max_listed"));
}

// The outbox's batches: each notice applied or refused on its own, in order,
// repeats acknowledged without effect; only the internal service may send.
TEST_F(BillingTest, NoticeBatchesAnswerEachNotice) {
  bv1::NotifyConventionChangesRequest batch;
  for (int i = 0; i < 3; ++i) {
    auto* n = batch.add_notices();
    const std::string name = absl::StrCat("conventions/b", i);
    n->set_topic("convention.activated");
    n->set_idempotency_key(name + "/activated");
    n->set_payload(ActivatedPayload(name, std::to_string(30010 + i), 2));
  }
  auto* bad = batch.add_notices();
  bad->set_topic("convention.activated");
  bad->set_idempotency_key("conventions/bad/activated");
  bad->set_payload("{not json");
  *batch.add_notices() = batch.notices(0);  // a repeat
  bv1::NotifyConventionChangesResponse out;
  grpc::Status st = stub_->NotifyConventionChanges(As(TestPrincipals::kInternal).get(), batch, &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(out.results_size(), 5);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out.results(i).idempotency_key(), batch.notices(i).idempotency_key());
    EXPECT_EQ(out.results(i).status().code(), 0) << out.results(i).status().message();
    EXPECT_TRUE(out.results(i).applied()) << i;
  }
  EXPECT_EQ(out.results(3).status().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_FALSE(out.results(3).applied());
  EXPECT_EQ(out.results(4).status().code(), 0);
  EXPECT_FALSE(out.results(4).applied()) << "a repeat changes nothing";
  // The notices took effect: their titres can be issued.
  ASSERT_TRUE(SetTariff(5000).ok());
  bv1::Titre t;
  EXPECT_TRUE(Issue("conventions/b2", "2021-2022", &t).ok());
  EXPECT_EQ(t.total_cents(), 10000);
  // Only the internal service; 1 to 1000 notices.
  EXPECT_EQ(stub_->NotifyConventionChanges(As(TestPrincipals::kFinance).get(), batch, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  bv1::NotifyConventionChangesRequest empty;
  st = stub_->NotifyConventionChanges(As(TestPrincipals::kInternal).get(), empty, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("notices"));
}

// A campaign larger than one transaction (500 conventions): every titre
// issued once, numbered without gaps, counted; its retry answers as it did.
TEST_F(BillingTest, CampaignRunsInChunksAndAnswersOnce) {
  ASSERT_TRUE(SetTariff(5000).ok());
  constexpr int kConventions = 1234;
  for (int i = 0; i < kConventions; ++i) {
    const std::string name = absl::StrCat("conventions/c", 10000 + i);
    ASSERT_TRUE(Notify("convention.activated", name + "/activated",
                       ActivatedPayload(name, std::to_string(30001 + i % 900), 1 + i % 3)).ok());
  }
  bv1::RunBillingCampaignRequest campaign;
  campaign.set_school_year("2021-2022");
  campaign.set_request_id(NextId());
  campaign.set_max_listed(10);
  bv1::RunBillingCampaignResponse result;
  ASSERT_TRUE(stub_->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &result).ok());
  EXPECT_EQ(result.issued_count(), kConventions);
  EXPECT_EQ(result.issued_size(), 10);
  EXPECT_EQ(result.issued(0), "titres/2021-000001");
  EXPECT_EQ(result.skipped_count(), 0);
  int64_t expected_cents = 0;
  for (int i = 0; i < kConventions; ++i) expected_cents += 5000 * (1 + i % 3);
  EXPECT_EQ(result.issued_total_cents(), expected_cents);
  const auto report = Numbering(2021);
  EXPECT_EQ(report.count(), kConventions);
  EXPECT_EQ(report.gaps_size(), 0);
  EXPECT_EQ(report.duplicates_size(), 0);
  // The retry gets the first answer (nothing re-run, nothing re-issued).
  bv1::RunBillingCampaignResponse again;
  ASSERT_TRUE(stub_->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), result.SerializeAsString());
  EXPECT_EQ(Numbering(2021).count(), kConventions);
}

// Every billing RPC × every role × own/other commune, with the exact code
// (DESIGN §3.6): finance manages; rectorat, support and finance read titres,
// statements and the numbering report, portals their own commune's titres
// and statement; only the outbox notifies.
TEST_F(BillingTest, EveryRpcForEveryRoleOnOwnAndOtherCommune) {
  ASSERT_TRUE(SetTariff(5000).ok());
  int serial = 0;
  // A fresh titre of commune `insee` (own: 30227, other: 11069).
  auto fresh_titre = [&](const std::string& insee) {
    const std::string name = absl::StrCat("conventions/m", ++serial);
    EXPECT_TRUE(Notify("convention.activated", name + "/activated", ActivatedPayload(name, insee, 2)).ok());
    bv1::Titre t;
    EXPECT_TRUE(Issue(name, "2021-2022", &t).ok());
    return std::make_pair(name, t.name());
  };
  using Call = std::function<grpc::Status(grpc::ClientContext*, const std::string& insee)>;
  struct Row {
    const char* rpc;
    bool finance, readers, portal_own, internal;
    Call call;
  };
  const std::vector<Row> rows = {
      {"SetTariff", true, false, false, false,
       [&](grpc::ClientContext* c, const std::string&) {
         bv1::SetTariffRequest r;
         r.set_request_id(NextId());
         const int first = 2040 + (++serial % 100);
         r.mutable_tariff()->set_school_year(absl::StrCat(first, "-", first + 1));
         r.mutable_tariff()->set_unit_price_cents(5000);
         r.mutable_tariff()->set_legal_basis("art. 5");
         bv1::Tariff out;
         return stub_->SetTariff(c, r, &out);
       }},
      {"GetTariff", true, true, true, true,
       [&](grpc::ClientContext* c, const std::string&) {
         bv1::GetTariffRequest r;
         r.set_name("tariffs/2021-2022");
         bv1::Tariff out;
         return stub_->GetTariff(c, r, &out);
       }},
      {"IssueTitre", true, false, false, false,
       [&](grpc::ClientContext* c, const std::string& insee) {
         const std::string name = absl::StrCat("conventions/i", ++serial);
         EXPECT_TRUE(Notify("convention.activated", name + "/activated", ActivatedPayload(name, insee, 1)).ok());
         bv1::IssueTitreRequest r;
         r.set_convention(name);
         r.set_school_year("2021-2022");
         r.set_request_id(NextId());
         bv1::Titre out;
         return stub_->IssueTitre(c, r, &out);
       }},
      {"GetTitre", true, true, true, false,
       [&](grpc::ClientContext* c, const std::string& insee) {
         bv1::GetTitreRequest r;
         r.set_name(fresh_titre(insee).second);
         bv1::Titre out;
         return stub_->GetTitre(c, r, &out);
       }},
      {"ListTitres", true, true, true, false,
       [&](grpc::ClientContext* c, const std::string& insee) {
         bv1::ListTitresRequest r;
         r.set_commune_insee_code(insee);
         bv1::ListTitresResponse out;
         return stub_->ListTitres(c, r, &out);
       }},
      {"RunBillingCampaign", true, false, false, false,
       [&](grpc::ClientContext* c, const std::string&) {
         bv1::RunBillingCampaignRequest r;
         r.set_school_year("2021-2022");
         r.set_request_id(NextId());
         bv1::RunBillingCampaignResponse out;
         return stub_->RunBillingCampaign(c, r, &out);
       }},
      {"RecordPayment", true, false, false, false,
       [&](grpc::ClientContext* c, const std::string& insee) {
         bv1::RecordPaymentRequest r;
         r.set_titre(fresh_titre(insee).second);
         r.set_request_id(NextId());
         r.mutable_payment()->set_amount_cents(100);
         *r.mutable_payment()->mutable_received_date() = Date(2021, 11, 20);
         r.mutable_payment()->set_reference("VIR");
         bv1::Payment out;
         return stub_->RecordPayment(c, r, &out);
       }},
      {"CreateCorrection", true, false, false, false,
       [&](grpc::ClientContext* c, const std::string& insee) {
         bv1::CreateCorrectionRequest r;
         r.set_titre(fresh_titre(insee).second);
         r.set_request_id(NextId());
         r.mutable_correction()->set_kind(bv1::Correction::KIND_REDUCTION);
         r.mutable_correction()->set_amount_cents(100);
         r.mutable_correction()->set_reason("erreur");
         r.mutable_correction()->set_justification("pièce");
         bv1::Correction out;
         return stub_->CreateCorrection(c, r, &out);
       }},
      {"GetStatement", true, true, true, false,
       [&](grpc::ClientContext* c, const std::string& insee) {
         bv1::GetStatementRequest r;
         r.set_commune_insee_code(insee);
         bv1::Statement out;
         return stub_->GetStatement(c, r, &out);
       }},
      // A read of every commune's numbers: the readers of all titres.
      {"CheckNumbering", true, true, false, false,
       [&](grpc::ClientContext* c, const std::string&) {
         bv1::CheckNumberingRequest r;
         r.set_year(2021);
         bv1::CheckNumberingResponse out;
         return stub_->CheckNumbering(c, r, &out);
       }},
      {"NotifyConventionChange", false, false, false, true,
       [&](grpc::ClientContext* c, const std::string& insee) {
         bv1::NotifyConventionChangeRequest r;
         const std::string name = absl::StrCat("conventions/x", ++serial);
         r.set_topic("convention.activated");
         r.set_idempotency_key(name + "/activated");
         r.set_payload(ActivatedPayload(name, insee, 1));
         bv1::NotifyConventionChangeResponse out;
         return stub_->NotifyConventionChange(c, r, &out);
       }},
  };
  const char* principals[] = {TestPrincipals::kRectorat, TestPrincipals::kSupport,
                              TestPrincipals::kFinance, TestPrincipals::kInternal,
                              TestPrincipals::kPortal30227};
  int checked = 0;
  for (const Row& row : rows) {
    for (const std::string who : principals) {
      for (const char* insee : {"30227", "11069"}) {
        bool allowed;
        if (who == TestPrincipals::kFinance) {
          allowed = row.finance;
        } else if (who == TestPrincipals::kInternal) {
          allowed = row.internal;
        } else if (who == TestPrincipals::kPortal30227) {
          allowed = row.portal_own && std::string(insee) == "30227" &&
                    (row.readers || std::string(row.rpc) == "GetTariff");
        } else {
          allowed = row.readers;
        }
        if (std::string(row.rpc) == "GetTariff") allowed = true;
        auto ctx = As(who);
        const grpc::Status st = row.call(ctx.get(), insee);
        EXPECT_EQ(st.error_code(), allowed ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED)
            << row.rpc << " as " << who << " for " << insee << ": " << st.error_message();
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 11 * 5 * 2);
  // Without a valid token, every RPC is UNAUTHENTICATED.
  for (const Row& row : rows) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer nope");
    EXPECT_EQ(row.call(&ctx, "30227").error_code(), grpc::StatusCode::UNAUTHENTICATED) << row.rpc;
  }
}

// Numbers stay gapless when the process is killed while titres are being
// issued: the kill lands once some issues were acknowledged and others are
// in flight (proved from the database before the restart), nothing
// acknowledged is lost, and the sequence continues without a gap.
TEST_F(BillingTest, NumberingStaysGaplessAcrossAKillDuringIssuing) {
  ASSERT_TRUE(SetTariff(5000).ok());
  constexpr int kConventions = 400;
  for (int i = 0; i < kConventions; ++i) {
    const std::string name = absl::StrCat("conventions/k", i);
    ASSERT_TRUE(Notify("convention.activated", name + "/activated",
                       ActivatedPayload(name, std::to_string(30001 + i), 1)).ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::atomic<int> failed{0};
  absl::Mutex mu;
  std::set<std::string> acknowledged_numbers;
  std::vector<std::thread> issuers;
  for (int t = 0; t < 8; ++t) {
    issuers.emplace_back([&, t] {
      for (int k = t; k < kConventions && !stop; k += 8) {
        bv1::Titre out;
        if (Issue(absl::StrCat("conventions/k", k), "2021-2022", &out).ok()) {
          absl::MutexLock lock(&mu);
          acknowledged_numbers.insert(out.name());
          ++acknowledged;
        } else {
          ++failed;  // in flight when the process died, or sent after
        }
      }
    });
  }
  // Kill once a tenth is acknowledged, with the eight issuers still sending.
  while (acknowledged < kConventions / 10) std::this_thread::yield();
  billing_->Kill();
  stop = true;
  for (auto& t : issuers) t.join();
  // The kill landed mid-work: some titres durable, not all; calls failed.
  const auto issued_at_kill = testing::StoreQueryInt(*billing_, billing_dir_.path() + "/billing.db",
                                                     "billing", "SELECT COUNT(*) FROM titres");
  ASSERT_TRUE(issued_at_kill.ok()) << issued_at_kill.status();
  EXPECT_GE(*issued_at_kill, acknowledged.load());
  EXPECT_LT(*issued_at_kill, kConventions);
  EXPECT_GT(failed.load(), 0);
  StartBilling("127.0.0.1:0");
  for (const std::string& name : acknowledged_numbers) {  // nothing acknowledged is lost
    bv1::GetTitreRequest get;
    get.set_name(name);
    bv1::Titre t;
    EXPECT_TRUE(stub_->GetTitre(As(TestPrincipals::kFinance).get(), get, &t).ok()) << name;
  }
  auto report = Numbering(2021);
  EXPECT_EQ(report.gaps_size(), 0);
  EXPECT_EQ(report.duplicates_size(), 0);
  EXPECT_EQ(report.count(), report.last_sequence());
  // Finishing the job continues the same sequence.
  bv1::RunBillingCampaignRequest campaign;
  campaign.set_school_year("2021-2022");
  campaign.set_request_id(NextId());
  bv1::RunBillingCampaignResponse result;
  ASSERT_TRUE(stub_->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &result).ok());
  report = Numbering(2021);
  EXPECT_EQ(report.count(), kConventions);
  EXPECT_EQ(report.last_sequence(), kConventions);
  EXPECT_EQ(report.gaps_size(), 0);
}

// Both services: the golden scenario's billing (DESIGN §6 steps 3 and 6), and
// notices delivered exactly once after billing-service was down.
class BillingWithConventionsTest : public BillingTest {
 protected:
  void StartConventions(const std::string& billing_address) {
    token_file_ = billing_dir_.path() + "/internal.token";
    std::ofstream(token_file_) << principals_.Token(TestPrincipals::kInternal) << "\n";
    conventions_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), conventions_dir_.path(),
        std::vector<std::string>{"--principals=" + principals_.path(),
                                 "--clock=simulated:2021-11-03T15:00:00+01:00",
                                 "--billing=" + billing_address,
                                 "--billing-token-file=" + token_file_});
    ASSERT_TRUE(conventions_->Start().ok());
    conv_ = cv1::ConventionService::NewStub(conventions_->Channel());
    clock_ = tv1::ClockService::NewStub(conventions_->Channel());
  }

  void Activate(cv1::CreateConventionRequest create) {
    cv1::Convention c;
    ASSERT_TRUE(conv_->CreateConvention(As(TestPrincipals::kRectorat).get(), create, &c).ok());
    for (auto sig : {demo::SaintAmbroixAcademieSignature(), demo::SaintAmbroixCommuneSignature()}) {
      sig.set_name(c.name());
      sig.set_request_id(NextId());
      grpc::Status st = conv_->SignConvention(As(TestPrincipals::kRectorat).get(), sig, &c);
      ASSERT_TRUE(st.ok()) << st.error_message();
    }
  }

  // Waits until convention-service's outbox has nothing pending.
  bool OutboxDrained() { return testing::WaitOutboxDrained(*conv_, principals_); }

  void SetConventionTime(const std::string& rfc3339) {
    const absl::Status st = testing::SetSimulatedTime(*clock_, principals_, rfc3339);
    ASSERT_TRUE(st.ok()) << st;
  }

  testing::TempDir conventions_dir_;
  std::string token_file_;
  std::unique_ptr<testing::ServiceProcess> conventions_;
  std::unique_ptr<cv1::ConventionService::Stub> conv_;
  std::unique_ptr<tv1::ClockService::Stub> clock_;
};

TEST_F(BillingWithConventionsTest, GoldenScenarioBillingSurvivesTermination) {
  StartConventions(billing_->address());
  ASSERT_TRUE(SetTariff(5000).ok());
  cv1::Convention c;
  ASSERT_TRUE(conv_->CreateConvention(As(TestPrincipals::kRectorat).get(), demo::SaintAmbroixCreate(), &c).ok());
  ASSERT_TRUE(conv_->RecordDeliberation(As(TestPrincipals::kRectorat).get(), demo::SaintAmbroixDeliberation(), &c).ok());
  ASSERT_TRUE(conv_->SignConvention(As(TestPrincipals::kRectorat).get(), demo::SaintAmbroixAcademieSignature(), &c).ok());
  ASSERT_TRUE(conv_->SignConvention(As(TestPrincipals::kPortal30227).get(), demo::SaintAmbroixCommuneSignature(), &c).ok());
  ASSERT_TRUE(OutboxDrained());

  // Step 3: 2 lines, 10 000 cents.
  bv1::Titre t;
  ASSERT_TRUE(Issue(c.name(), "2021-2022", &t).ok());
  EXPECT_EQ(t.lines_size(), 2);
  EXPECT_EQ(t.total_cents(), 10000);
  EXPECT_EQ(t.lines(0).uai(), "0300673U");
  EXPECT_EQ(t.lines(1).uai(), "0301531B");
  EXPECT_EQ(t.debtor().insee_code(), "30227");

  // Steps 4-5 on convention-service: dispute, lapse, termination.
  SetConventionTime("2022-03-31T10:00:00+02:00");
  cv1::OpenDisputeRequest open;
  open.set_parent(c.name());
  open.set_request_id(NextId());
  open.mutable_dispute()->set_party(cv1::PARTY_ROLE_COMMUNE);
  open.mutable_dispute()->set_grievances("griefs");
  open.mutable_dispute()->set_notice_reference("LRAR 1");
  *open.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 3, 31);
  cv1::Dispute d;
  ASSERT_TRUE(conv_->OpenDispute(As(TestPrincipals::kSupport).get(), open, &d).ok());
  SetConventionTime("2022-05-11T10:00:00+02:00");
  cv1::SendTerminationNoticeRequest terminate;
  terminate.set_name(d.name());
  terminate.set_request_id(NextId());
  terminate.mutable_termination()->set_party(cv1::PARTY_ROLE_COMMUNE);
  terminate.mutable_termination()->set_reasons("motifs");
  terminate.mutable_termination()->set_letter_reference("LRAR 2");
  *terminate.mutable_termination()->mutable_sent_date() = Date(2022, 5, 11);
  ASSERT_TRUE(conv_->SendTerminationNotice(As(TestPrincipals::kSupport).get(), terminate, &d).ok());
  SetConventionTime("2022-05-28T00:00:00+02:00");
  ASSERT_TRUE(OutboxDrained());

  // Step 6: the titre stays due and unchanged; nothing for 2022-2023.
  bv1::GetTitreRequest get;
  get.set_name(t.name());
  bv1::Titre after;
  ASSERT_TRUE(stub_->GetTitre(As(TestPrincipals::kFinance).get(), get, &after).ok());
  EXPECT_EQ(after.total_cents(), 10000);
  EXPECT_EQ(after.balance_cents(), 10000);
  EXPECT_EQ(after.state(), bv1::Titre::STATE_ISSUED);
  bv1::Titre none;
  EXPECT_EQ(Issue(c.name(), "2022-2023", &none).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(BillingWithConventionsTest, NoticesWaitForBillingAndArriveExactlyOnce) {
  const std::string address = billing_->address();
  billing_->Stop();  // billing-service is down
  StartConventions(address);
  for (const char* insee : {"30227", "30007", "30189", "34172", "11069"}) {
    cv1::CreateConventionRequest req = demo::SaintAmbroixCreate();
    req.set_convention_id(absl::StrCat("c", insee));
    req.set_request_id(NextId());
    testing::SetCommune(req.mutable_convention(), insee);
    Activate(req);
  }
  // convention-service keeps working; the notices wait, visible.
  cv1::ListOutboxMessagesResponse pending;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(conv_->ListOutboxMessages(As(TestPrincipals::kSupport).get(),
                                          cv1::ListOutboxMessagesRequest(), &pending).ok());
    if (pending.messages_size() == 5 && pending.messages(0).attempts() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(pending.messages_size(), 5);
  EXPECT_GT(pending.messages(0).attempts(), 0);
  EXPECT_FALSE(pending.messages(0).last_error().empty());
  // The failed attempts are in the log (rate-limited), with the error.
  std::string log;
  for (int i = 0; i < 100 && log.find("\"event\":\"outbox_attempt_failed\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(conventions_->log_path());
    log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  EXPECT_NE(log.find("\"event\":\"outbox_attempt_failed\""), std::string::npos) << log;

  StartBilling(address);  // back, on the same address
  ASSERT_TRUE(OutboxDrained());
  ASSERT_TRUE(SetTariff(5000).ok());
  bv1::RunBillingCampaignRequest campaign;
  campaign.set_school_year("2021-2022");
  campaign.set_request_id(NextId());
  bv1::RunBillingCampaignResponse result;
  ASSERT_TRUE(stub_->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &result).ok());
  EXPECT_EQ(result.issued_size(), 5);
  EXPECT_EQ(result.issued_total_cents(), 5 * 10000);
  // Each notice was applied once: replaying one is acknowledged and ignored.
  bool applied = true;
  ASSERT_TRUE(Notify("convention.activated", "conventions/c30227/activated", "{}", &applied).ok());
  EXPECT_FALSE(applied);
}

}  // namespace
}  // namespace ent::billing
