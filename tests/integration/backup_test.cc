// Online backups (ent.admin.v1.AdminService, served by both services): a
// backup taken while both services are writing restores into a fresh data
// directory, the services start on it, and every write acknowledged before
// the backup was asked for is there; backups are kept --backup-keep deep;
// only support staff may take one.
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "demo/saint_ambroix.h"
#include "ent/admin/v1/admin_service.grpc.pb.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "tests/support/communes.h"
#include "tests/support/proto_dates.h"
#include "tests/support/service_process.h"
#include "tests/support/sqlite_peek.h"
#include "tests/support/test_principals.h"

namespace ent {
namespace {

namespace av1 = ::ent::admin::v1;
namespace bv1 = ::ent::billing::v1;
namespace cv1 = ::ent::convention::v1;
using testing::TestPrincipals;

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::TestsOnPostgres()) {
      GTEST_SKIP() << "online backups are SQLite's; PostgreSQL is backed up with its own tools "
                      "(CreateBackup says so: entctl_test)";
    }
  }
  void Start(const std::string& conventions_dir, const std::string& billing_dir,
             std::vector<std::string> extra = {}) {
    std::vector<std::string> common = {"--principals=" + principals_.path(),
                                       "--clock=simulated:2021-11-20T10:00:00+01:00"};
    common.insert(common.end(), extra.begin(), extra.end());
    billing_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("billing-service/ent-billing-service"), billing_dir, common);
    ASSERT_TRUE(billing_->Start().ok());
    conventions_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), conventions_dir, common);
    ASSERT_TRUE(conventions_->Start().ok());
    conv_ = cv1::ConventionService::NewStub(conventions_->Channel());
    bill_ = bv1::BillingService::NewStub(billing_->Channel());
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    principals_.Authorize(*ctx, who);
    return ctx;
  }

  absl::StatusOr<av1::Backup> Backup(testing::ServiceProcess& service,
                                     const std::string& who = TestPrincipals::kSupport) {
    auto admin = av1::AdminService::NewStub(service.Channel());
    av1::Backup out;
    const grpc::Status st = admin->CreateBackup(As(who).get(), av1::CreateBackupRequest(), &out);
    if (!st.ok()) return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
    return out;
  }

  // One write to each service: a draft convention, and a titre for a
  // convention billing is told took effect.
  bool WriteOne(int i, std::string* convention, std::string* titre) {
    cv1::CreateConventionRequest create = demo::SaintAmbroixCreate();
    create.set_convention_id(absl::StrCat("b", i));
    create.set_request_id(absl::StrCat("backup-create-", i));
    if (!conv_->CreateConvention(As(TestPrincipals::kRectorat).get(), create, &scratch_).ok()) {
      return false;
    }
    *convention = absl::StrCat("conventions/b", i);
    bv1::NotifyConventionChangeRequest notice;
    notice.set_idempotency_key(absl::StrCat("conventions/t", i, "/activated"));
    bv1::ConventionNotice* n = notice.mutable_notice();
    n->set_convention(absl::StrCat("conventions/t", i));
    n->mutable_commune()->set_insee_code("30227");
    n->mutable_commune()->set_siren("213002272");
    n->mutable_commune()->set_name("Commune de Saint-Ambroix");
    n->set_school_year("2021-2022");
    *n->mutable_effective_date() = testing::Date(2021, 11, 3);
    *n->mutable_end_date() = testing::Date(2022, 8, 31);
    auto* school = n->mutable_activated()->add_schools();
    school->set_uai("0300673U");
    school->set_name("ECOLE");
    *school->mutable_enrolled_date() = testing::Date(2021, 11, 3);
    bv1::NotifyConventionChangeResponse applied;
    if (!bill_->NotifyConventionChange(As(TestPrincipals::kInternal).get(), notice, &applied).ok()) {
      return false;
    }
    bv1::IssueTitreRequest issue;
    issue.set_convention(absl::StrCat("conventions/t", i));
    issue.set_school_year("2021-2022");
    issue.set_request_id(absl::StrCat("backup-issue-", i));
    bv1::Titre t;
    if (!bill_->IssueTitre(As(TestPrincipals::kFinance).get(), issue, &t).ok()) return false;
    *titre = t.name();
    return true;
  }

  testing::TempDir conventions_dir_, billing_dir_;
  TestPrincipals principals_{billing_dir_.path()};
  std::unique_ptr<testing::ServiceProcess> conventions_, billing_;
  std::unique_ptr<cv1::ConventionService::Stub> conv_;
  std::unique_ptr<bv1::BillingService::Stub> bill_;
  cv1::Convention scratch_;
};

TEST_F(BackupTest, ABackupTakenWhileWritingRestoresEveryAcknowledgedWrite) {
  Start(conventions_dir_.path(), billing_dir_.path());
  bv1::SetTariffRequest tariff;
  tariff.set_request_id("backup-tariff");
  tariff.mutable_tariff()->set_school_year("2021-2022");
  tariff.mutable_tariff()->set_unit_price_cents(5000);
  tariff.mutable_tariff()->set_legal_basis("art. 5");
  bv1::Tariff tariff_out;
  ASSERT_TRUE(bill_->SetTariff(As(TestPrincipals::kFinance).get(), tariff, &tariff_out).ok());

  // A writer goes on while the backups are taken.
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> acked;  // (convention, titre), in order
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      std::string convention, titre;
      if (!WriteOne(i, &convention, &titre)) continue;
      std::lock_guard<std::mutex> lock(mu);
      acked.emplace_back(convention, titre);
      ++written;
    }
  });
  while (written.load() < 30) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  size_t before = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    before = acked.size();
  }
  absl::StatusOr<av1::Backup> conventions_backup = Backup(*conventions_);
  absl::StatusOr<av1::Backup> billing_backup = Backup(*billing_);
  const int after_backups = written.load();
  while (written.load() < after_backups + 10) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  ASSERT_TRUE(conventions_backup.ok()) << conventions_backup.status();
  ASSERT_TRUE(billing_backup.ok()) << billing_backup.status();
  EXPECT_EQ(conventions_backup->integrity(), "ok");
  EXPECT_EQ(conventions_backup->schema_version(), 10);
  EXPECT_EQ(billing_backup->schema_version(), 6);
  EXPECT_GT(conventions_backup->size_bytes(), 0);
  EXPECT_THAT(conventions_backup->path(), ::testing::HasSubstr(conventions_dir_.path() + "/backups/convention-"));
  // The writes went on during and after the backups: the backups are not the
  // final state (what came after is not in them).
  const int64_t in_backup = *testing::QueryInt(conventions_backup->path(), "SELECT count(*) FROM conventions");
  EXPECT_GE(in_backup, static_cast<int64_t>(before));
  EXPECT_LT(in_backup, static_cast<int64_t>(acked.size()));

  // Restore: the backup files as the databases of fresh data directories.
  conventions_->Stop();
  billing_->Stop();
  testing::TempDir restored_conventions, restored_billing;
  std::filesystem::copy_file(conventions_backup->path(), restored_conventions.path() + "/convention.db");
  std::filesystem::copy_file(billing_backup->path(), restored_billing.path() + "/billing.db");
  Start(restored_conventions.path(), restored_billing.path());
  for (size_t i = 0; i < before; ++i) {
    cv1::GetConventionRequest get;
    get.set_name(acked[i].first);
    cv1::Convention c;
    EXPECT_TRUE(conv_->GetConvention(As(TestPrincipals::kSupport).get(), get, &c).ok()) << acked[i].first;
    bv1::GetTitreRequest titre;
    titre.set_name(acked[i].second);
    bv1::Titre t;
    EXPECT_TRUE(bill_->GetTitre(As(TestPrincipals::kFinance).get(), titre, &t).ok()) << acked[i].second;
  }
}

TEST_F(BackupTest, OnlySupportStaffBackUpAndOldBackupsAreRotated) {
  Start(conventions_dir_.path(), billing_dir_.path(), {"--backup-keep=2"});
  for (const char* who : {TestPrincipals::kFinance, TestPrincipals::kRectorat,
                          TestPrincipals::kPortal30227, TestPrincipals::kInternal}) {
    EXPECT_EQ(Backup(*conventions_, who).status().code(), absl::StatusCode::kPermissionDenied) << who;
  }
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<av1::Backup> b = Backup(*billing_);
    ASSERT_TRUE(b.ok()) << b.status();
    paths.push_back(b->path());
    if (i < 2) EXPECT_EQ(b->deleted_size(), 0);
    if (i == 2) EXPECT_THAT(b->deleted(), ::testing::ElementsAre(paths[0]));
  }
  EXPECT_FALSE(std::filesystem::exists(paths[0]));
  EXPECT_TRUE(std::filesystem::exists(paths[1]));
  EXPECT_TRUE(std::filesystem::exists(paths[2]));
}

}  // namespace
}  // namespace ent
