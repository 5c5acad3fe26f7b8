// A network partition between convention-service and PostgreSQL - not a
// crash: a proxy (tests/support/tcp_proxy.h) stops forwarding without
// closing or resetting anything, so no socket error tells the service. With
// its database bounds set short (--db-statement-timeout, --db-network-timeout,
// --db-connect-timeout), the service answers within the callers' deadlines,
// reports NOT_SERVING, serves again once the network heals with nothing
// acknowledged lost (a write whose COMMIT was cut off answers its idempotent
// retry), and stops on SIGTERM while the database is unreachable. The
// figures printed are the README's.
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "demo/saint_ambroix.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "tests/support/communes.h"
#include "tests/support/postgres_server.h"
#include "tests/support/raw_grpc.h"
#include "tests/support/service_process.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_principals.h"

namespace ent::convention {
namespace {

namespace v1 = ::ent::convention::v1;
using testing::TestPrincipals;

class PostgresPartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::SharedPostgres();
    ASSERT_TRUE(server.ok()) << server.status();
    auto uri = (*server)->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();
    auto proxy = testing::TcpProxy::Start((*server)->port());
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
    const std::string through_proxy =
        absl::StrReplaceAll(*uri, {{absl::StrCat(":", (*server)->port(), "/"), absl::StrCat(":", proxy_->port(), "/")}});
    service_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), dir_.path(),
        std::vector<std::string>{"--principals=" + principals_.path(), "--database=" + through_proxy,
                                 "--db-statement-timeout=2s", "--db-network-timeout=2s",
                                 "--db-connect-timeout=2s", "--health-interval-seconds=1",
                                 "--drain-seconds=2"});
    ASSERT_TRUE(service_->Start().ok());
    stub_ = v1::ConventionService::NewStub(service_->Channel());
  }

  grpc::Status Create(int i, v1::Convention* out, absl::Duration deadline = absl::Seconds(10)) {
    v1::CreateConventionRequest req = demo::SaintAmbroixCreate();
    req.set_convention_id(absl::StrCat("part-", i));
    req.set_request_id(absl::StrCat("create-", i));
    testing::SetCommune(req.mutable_convention(), testing::NthCommuneOf("30", i));
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    return stub_->CreateConvention(&ctx, req, out);
  }
  grpc::Status Get(int i, absl::Duration deadline = absl::Seconds(10)) {
    v1::GetConventionRequest req;
    req.set_name(absl::StrCat("conventions/part-", i));
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    v1::Convention out;
    return stub_->GetConvention(&ctx, req, &out);
  }
  bool Serving(const std::string& name) {
    std::string response;
    const grpc::Status st = testing::RawExchange(service_->Channel(), "/grpc.health.v1.Health/Check",
                                                 testing::EncodeStringField(1, name), &response);
    return st.ok() && response == std::string("\x08\x01", 2);
  }
  // Waits (a deadlock detector, 120 s) until `done()`; how long it took.
  template <typename F>
  absl::Duration Until(F done) {
    const absl::Time start = absl::Now();
    while (!done() && absl::Now() - start < absl::Seconds(120)) absl::SleepFor(absl::Milliseconds(50));
    return absl::Now() - start;
  }

  testing::TempDir dir_;
  testing::TestPrincipals principals_{dir_.path()};
  std::unique_ptr<testing::TcpProxy> proxy_;
  std::unique_ptr<testing::ServiceProcess> service_;
  std::unique_ptr<v1::ConventionService::Stub> stub_;
};

TEST_F(PostgresPartitionTest, APartitionIsDetectedRiddenOutAndSurvivedWithNothingAcknowledgedLost) {
  constexpr int kBefore = 10;
  v1::Convention c;
  for (int i = 0; i < kBefore; ++i) ASSERT_TRUE(Create(i, &c).ok());
  const std::string kService = "ent.convention.v1.ConventionService";
  ASSERT_TRUE(Serving(kService));

  proxy_->Partition();
  const absl::Time cut = absl::Now();
  std::atomic<int64_t> not_serving_us{0};  // when health first said so, after the cut
  std::thread watch([&] {
    while (not_serving_us == 0 && absl::Now() - cut < absl::Seconds(120)) {
      if (!Serving(kService)) not_serving_us = absl::ToUnixMicros(absl::Now());
      absl::SleepFor(absl::Milliseconds(100));
    }
  });
  // A read answers UNAVAILABLE, within its deadline and well before it.
  const grpc::Status read = Get(0, absl::Seconds(30));
  const absl::Duration read_took = absl::Now() - cut;
  EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE) << read.error_message();
  EXPECT_LT(read_took, absl::Seconds(30));
  // A write in flight: its transaction is cut off; the caller's deadline
  // bounds it (UNAVAILABLE from the service, or the deadline).
  const absl::Time write_start = absl::Now();
  const grpc::Status write = Create(kBefore, &c, absl::Seconds(8));
  const absl::Duration write_took = absl::Now() - write_start;
  EXPECT_TRUE(write.error_code() == grpc::StatusCode::UNAVAILABLE ||
              write.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << write.error_code() << " " << write.error_message();
  watch.join();
  ASSERT_NE(not_serving_us, 0) << "health never said the database is unreachable";
  const absl::Duration not_serving_after = absl::FromUnixMicros(not_serving_us) - cut;
  EXPECT_FALSE(Serving(""));

  proxy_->Heal();
  const absl::Time healed = absl::Now();
  // Serving again, without a restart: the interrupted write's retry (same
  // request id) answers, once.
  grpc::Status retried;
  Until([&] {
    retried = Create(kBefore, &c, absl::Seconds(5));
    return retried.ok();
  });
  const absl::Duration recovered = absl::Now() - healed;
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_EQ(c.name(), absl::StrCat("conventions/part-", kBefore));
  EXPECT_TRUE(Create(kBefore, &c).ok()) << "a retry gets the first answer";
  Until([&] { return Get(0).ok(); });  // reads reconnect too (at most once a second while it fails)
  for (int i = 0; i <= kBefore; ++i) EXPECT_TRUE(Get(i).ok()) << "acknowledged, then lost: " << i;
  Until([&] { return Serving(kService) && Serving(""); });
  EXPECT_TRUE(Serving(kService));

  // A half-open connection during COMMIT: the transaction commits, its
  // answer never comes back. The outcome is unknown to the service, which
  // says so (UNAVAILABLE); once the network heals, the idempotent retry gets
  // the first answer, and there is one convention.
  proxy_->HoldAnswersAfterCommit(absl::StrCat("part-", kBefore + 1));
  const absl::Time commit_start = absl::Now();
  const grpc::Status cut_commit = Create(kBefore + 1, &c, absl::Seconds(30));
  const absl::Duration commit_took = absl::Now() - commit_start;
  EXPECT_TRUE(proxy_->holding()) << "the COMMIT was not cut off";
  EXPECT_EQ(cut_commit.error_code(), grpc::StatusCode::UNAVAILABLE) << cut_commit.error_message();
  EXPECT_NE(cut_commit.error_message().find("outcome is unknown"), std::string::npos)
      << cut_commit.error_message();
  proxy_->Heal();
  grpc::Status answered;
  Until([&] {
    answered = Create(kBefore + 1, &c, absl::Seconds(5));
    return answered.ok();
  });
  ASSERT_TRUE(answered.ok()) << answered.error_message();
  EXPECT_EQ(c.name(), absl::StrCat("conventions/part-", kBefore + 1));
  EXPECT_EQ(c.etag(), [&] {
    v1::Convention again;
    EXPECT_TRUE(Create(kBefore + 1, &again).ok());
    return again.etag();
  }()) << "the first answer, again";
  std::printf("COMMIT cut off: UNAVAILABLE (outcome unknown) after %.1f s; the retry answered\n",
              absl::ToDoubleSeconds(commit_took));
  std::printf("partition: a read answered UNAVAILABLE after %.1f s; a write (8 s deadline) answered %s after "
              "%.1f s; health NOT_SERVING %.1f s after the cut; serving again %.1f s after the heal\n",
              absl::ToDoubleSeconds(read_took), write.error_code() == grpc::StatusCode::UNAVAILABLE
                                                     ? "UNAVAILABLE" : "DEADLINE_EXCEEDED",
              absl::ToDoubleSeconds(write_took), absl::ToDoubleSeconds(not_serving_after),
              absl::ToDoubleSeconds(recovered));

  // Cut again, with work in flight, and stop the service: it exits.
  proxy_->Partition();
  std::thread in_flight([&] {
    v1::Convention ignored;
    Create(kBefore + 2, &ignored, absl::Seconds(30)).error_code();
  });
  absl::SleepFor(absl::Milliseconds(500));  // the write is under way (no answer can come)
  const absl::Time term = absl::Now();
  const int status = service_->Stop();
  const absl::Duration stop_took = absl::Now() - term;
  in_flight.join();
  std::printf("SIGTERM during the partition: exited after %.1f s (status %d; --drain-seconds=2)\n",
              absl::ToDoubleSeconds(stop_took), status);
  EXPECT_TRUE(WIFEXITED(status)) << "killed by a signal: " << status;
}

}  // namespace
}  // namespace ent::convention
