// An automatic failover, as a rectorat would run one: Patroni with etcd
// (deploy/patroni/patroni.yml.in, rendered for two nodes on loopback, one
// synchronous standby), both billing-services on the two-node URI with
// target_session_attrs=read-write, issuing under load; the primary node
// crashes (Patroni and PostgreSQL SIGKILLed) and Patroni promotes the
// standby once the leader key expires. The services find the new primary
// without a restart; callers send a failed call again with the same request
// id; nothing acknowledged is lost and the numbering stays gapless.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "tests/support/billing_requests.h"
#include "tests/support/patroni_cluster.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent::billing {
namespace {

namespace bv1 = ::ent::billing::v1;
using testing::TestPrincipals;

std::string Convention(int i) { return absl::StrCat("conventions/f", i); }

TEST(PatroniFailover, ThePrimaryLostUnderLoadIsReplacedAndNothingAcknowledgedIsLost) {
  const absl::Time start = absl::Now();
  auto cluster = testing::PatroniCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto uri = (*cluster)->CreateDatabase("ent");
  ASSERT_TRUE(uri.ok()) << uri.status();
  const absl::Duration bootstrap = absl::Now() - start;

  testing::TempDir dirs[2];
  testing::TestPrincipals principals(dirs[0].path());
  std::unique_ptr<testing::ServiceProcess> instances[2];
  std::unique_ptr<bv1::BillingService::Stub> stubs[2];
  for (int i = 0; i < 2; ++i) {
    instances[i] = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("billing-service/ent-billing-service"), dirs[i].path(),
        std::vector<std::string>{"--principals=" + principals.path(), "--database=" + *uri,
                                 "--clock=simulated:2021-11-20T10:00:00+01:00"});
    ASSERT_TRUE(instances[i]->Start().ok());
    stubs[i] = bv1::BillingService::NewStub(instances[i]->Channel());
  }
  auto as = [&](const std::string& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    principals.Authorize(*ctx, who);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  };
  bv1::Tariff t;
  ASSERT_TRUE(stubs[0]->SetTariff(as(TestPrincipals::kFinance).get(), testing::Tariff2021Request(), &t).ok());
  constexpr int kConventions = 300;
  for (int i = 0; i < kConventions; ++i) {
    bv1::NotifyConventionChangeRequest req;
    req.set_topic("convention.activated");
    req.set_idempotency_key(Convention(i) + "/activated");
    req.set_payload(testing::ActivatedPayload(Convention(i), std::to_string(30001 + i)));
    bv1::NotifyConventionChangeResponse out;
    ASSERT_TRUE(stubs[i % 2]->NotifyConventionChange(as(TestPrincipals::kInternal).get(), req, &out).ok());
  }

  // Issuers on both instances, sending a failed call again (same request id).
  std::atomic<int> acknowledged{0}, failed_attempts{0};
  absl::Mutex mu;
  std::set<std::string> numbers;
  std::vector<std::thread> issuers;
  for (int w = 0; w < 4; ++w) {
    issuers.emplace_back([&, w] {
      for (int k = w; k < kConventions; k += 4) {
        bv1::IssueTitreRequest req;
        req.set_convention(Convention(k));
        req.set_school_year("2021-2022");
        req.set_request_id(absl::StrCat("issue-", k));
        bv1::Titre out;
        grpc::Status st;
        for (int attempt = 0; attempt < 600; ++attempt) {
          st = stubs[(w + attempt) % 2]->IssueTitre(as(TestPrincipals::kFinance).get(), req, &out);
          if (st.ok() || (st.error_code() != grpc::StatusCode::UNAVAILABLE &&
                          st.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED)) {
            break;
          }
          ++failed_attempts;
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        if (!st.ok()) {
          ADD_FAILURE() << st.error_message();
          return;
        }
        absl::MutexLock lock(&mu);
        EXPECT_TRUE(numbers.insert(out.name()).second) << out.name() << " twice";
        ++acknowledged;
      }
    });
  }
  while (acknowledged < kConventions / 10) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string old_leader = (*cluster)->Leader();
  ASSERT_FALSE(old_leader.empty());
  const int acknowledged_at_crash = acknowledged;
  ASSERT_TRUE((*cluster)->Kill(old_leader).ok());
  const absl::Time crashed = absl::Now();
  auto new_leader = (*cluster)->WaitForNewLeader(old_leader, absl::Seconds(120));
  ASSERT_TRUE(new_leader.ok()) << new_leader.status();
  const absl::Duration promoted_after = absl::Now() - crashed;
  for (auto& w : issuers) w.join();
  const absl::Duration resumed_after = absl::Now() - crashed;

  std::printf("patroni: cluster up in %.1f s; %s crashed at %d of %d titres; %s led %.1f s later; "
              "all acknowledged %.1f s after the crash; %d calls sent again; whole test %.1f s\n",
              absl::ToDoubleSeconds(bootstrap), old_leader.c_str(), acknowledged_at_crash, kConventions,
              new_leader->c_str(), absl::ToDoubleSeconds(promoted_after),
              absl::ToDoubleSeconds(resumed_after), failed_attempts.load(),
              absl::ToDoubleSeconds(absl::Now() - start));
  EXPECT_LT(acknowledged_at_crash, kConventions) << "the crash landed with work left";
  EXPECT_GT(failed_attempts.load(), 0) << "calls were cut by the failover";
  EXPECT_EQ(acknowledged.load(), kConventions);
  for (const std::string& name : numbers) {
    bv1::GetTitreRequest get;
    get.set_name(name);
    bv1::Titre titre;
    ASSERT_TRUE(stubs[1]->GetTitre(as(TestPrincipals::kFinance).get(), get, &titre).ok()) << name;
  }
  for (int i = 0; i < 2; ++i) {
    bv1::CheckNumberingRequest req;
    req.set_year(2021);
    bv1::CheckNumberingResponse report;
    ASSERT_TRUE(stubs[i]->CheckNumbering(as(TestPrincipals::kFinance).get(), req, &report).ok());
    EXPECT_EQ(report.count(), kConventions);
    EXPECT_EQ(report.last_sequence(), kConventions);
    EXPECT_EQ(report.gaps_size(), 0);
    EXPECT_EQ(report.duplicates_size(), 0);
  }
}

}  // namespace
}  // namespace ent::billing
