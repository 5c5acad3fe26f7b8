// Several instances of each service on one PostgreSQL database (a throw-away
// server this test starts). billing-service: one gapless sequence and one
// titre per convention whichever instance issues, the first answer of a
// request given by the other instance too, an instance SIGKILLed under load
// while the other carries on, and the database restarted under load while
// the services ride it out - nothing acknowledged is lost. convention-service:
// a write acknowledged by one instance read on the other, a timer storm fired
// by both engines (each timer once), and a watcher on one instance seeing
// every event, whichever instance wrote it.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/postgres/connection.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/billing_requests.h"
#include "tests/support/communes.h"
#include "tests/support/postgres_server.h"
#include "tests/support/raw_grpc.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent::billing {
namespace {

namespace bv1 = ::ent::billing::v1;
using testing::TestPrincipals;

std::string Convention(int i) { return absl::StrCat("conventions/p", i); }

class RetryingIssuers;

class PostgresInstancesTest : public ::testing::Test {
 protected:
  friend class RetryingIssuers;
  static void SetUpTestSuite() {
    auto server = testing::PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    auto uri = server_->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
    for (int i = 0; i < 2; ++i) Start(i);
    bv1::Tariff out;
    grpc::Status st = stubs_[0]->SetTariff(As(TestPrincipals::kFinance).get(), testing::Tariff2021Request(), &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // Waits until `count` reaches `target`, or every issuer has finished (then
  // the test fails on what they reported, rather than hang).
  static void WaitFor(const std::atomic<int>& count, int target, const std::atomic<int>& finished,
                      int issuers) {
    while (count < target && finished < issuers) std::this_thread::yield();
  }

  void Start(int i) {
    instances_[i] = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("billing-service/ent-billing-service"), dirs_[i].path(),
        std::vector<std::string>{"--principals=" + principals_.path(), "--database=" + uri_,
                                 "--clock=simulated:2021-11-20T10:00:00+01:00"});
    ASSERT_TRUE(instances_[i]->Start().ok());
    stubs_[i] = bv1::BillingService::NewStub(instances_[i]->Channel());
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    principals_.Authorize(*ctx, who);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return ctx;
  }

  // Tells billing of `n` active conventions, alternately through each instance.
  void NotifyConventions(int n) {
    for (int i = 0; i < n; ++i) {
      bv1::NotifyConventionChangeRequest req;
      req.set_topic("convention.activated");
      req.set_idempotency_key(Convention(i) + "/activated");
      req.set_payload(testing::ActivatedPayload(Convention(i), std::to_string(30001 + i)));
      bv1::NotifyConventionChangeResponse out;
      grpc::Status st = stubs_[i % 2]->NotifyConventionChange(As(TestPrincipals::kInternal).get(), req, &out);
      ASSERT_TRUE(st.ok()) << st.error_message();
    }
  }

  grpc::Status Issue(int instance, const std::string& convention, const std::string& request_id,
                     bv1::Titre* out) {
    bv1::IssueTitreRequest req;
    req.set_convention(convention);
    req.set_school_year("2021-2022");
    req.set_request_id(request_id);
    return stubs_[instance]->IssueTitre(As(TestPrincipals::kFinance).get(), req, out);
  }

  bv1::CheckNumberingResponse Numbering(int instance) {
    bv1::CheckNumberingRequest req;
    req.set_year(2021);
    bv1::CheckNumberingResponse out;
    grpc::Status st = stubs_[instance]->CheckNumbering(As(TestPrincipals::kFinance).get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  // Every convention has exactly one titre, numbered 1..n without a gap.
  void ExpectOneGaplessTitrePerConvention(int n) {
    for (int instance = 0; instance < 2; ++instance) {
      const auto report = Numbering(instance);
      EXPECT_EQ(report.count(), n) << "instance " << instance;
      EXPECT_EQ(report.last_sequence(), n);
      EXPECT_EQ(report.gaps_size(), 0);
      EXPECT_EQ(report.duplicates_size(), 0);
    }
    EXPECT_EQ(QueryInt("SELECT COUNT(DISTINCT convention) FROM titres"), n);
  }

  // Straight from the database.
  int64_t QueryInt(const std::string& sql) {
    auto conn = postgres::Connection::Open(uri_, "SET search_path = billing");
    EXPECT_TRUE(conn.ok()) << conn.status();
    if (!conn.ok()) return -1;
    auto r = (*conn)->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && r->rows() > 0 ? r->Int(0, 0) : -1;
  }

  static testing::PostgresServer* server_;
  std::string uri_;
  testing::TempDir dirs_[2];
  testing::TestPrincipals principals_{dirs_[0].path()};
  std::unique_ptr<testing::ServiceProcess> instances_[2];
  std::unique_ptr<bv1::BillingService::Stub> stubs_[2];
};

testing::PostgresServer* PostgresInstancesTest::server_ = nullptr;

TEST_F(PostgresInstancesTest, TwoInstancesShareOneGaplessSequenceAndBillEachConventionOnce) {
  constexpr int kConventions = 200;
  NotifyConventions(kConventions);
  std::atomic<int> failures{0};
  std::vector<std::thread> issuers;
  for (int t = 0; t < 16; ++t) {
    issuers.emplace_back([&, t] {
      // Overlapping conventions, from both instances at once.
      for (int k = 0; k < 40; ++k) {
        bv1::Titre out;
        grpc::Status st = Issue(t % 2, Convention((t * 37 + k * 11) % kConventions),
                                absl::StrCat("issue-", t, "-", k), &out);
        if (!st.ok()) {
          ADD_FAILURE() << st.error_message();
          failures++;
        }
      }
    });
  }
  for (auto& t : issuers) t.join();
  bv1::RunBillingCampaignRequest campaign;  // bills what the issuers did not reach
  campaign.set_school_year("2021-2022");
  campaign.set_request_id("campaign-1");
  bv1::RunBillingCampaignResponse result;
  ASSERT_TRUE(stubs_[1]->RunBillingCampaign(As(TestPrincipals::kFinance).get(), campaign, &result).ok());
  EXPECT_EQ(failures.load(), 0);
  ExpectOneGaplessTitrePerConvention(kConventions);
}

TEST_F(PostgresInstancesTest, ARetryOnTheOtherInstanceGetsTheFirstAnswer) {
  NotifyConventions(2);
  bv1::Titre first, retried;
  ASSERT_TRUE(Issue(0, Convention(0), "issue-once", &first).ok());
  ASSERT_TRUE(Issue(1, Convention(0), "issue-once", &retried).ok());
  EXPECT_EQ(retried.name(), first.name());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  // The same request id for another convention is refused, on either instance.
  bv1::Titre other;
  EXPECT_EQ(Issue(1, Convention(1), "issue-once", &other).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Issuers on both instances, as behind a load balancer: a call that fails is
// sent again, with the same request id, to the other instance.
TEST_F(PostgresInstancesTest, AnInstanceKilledUnderLoadLosesNothingAcknowledged) {
  constexpr int kConventions = 600;
  NotifyConventions(kConventions);
  std::atomic<int> acknowledged{0}, failed_on_killed{0}, finished{0};
  std::atomic<bool> killed{false};
  absl::Mutex mu;
  std::set<std::string> acknowledged_numbers;
  std::vector<std::thread> issuers;
  for (int t = 0; t < 8; ++t) {
    issuers.emplace_back([&, t] {
      for (int k = t; k < kConventions; k += 8) {
        const std::string request_id = absl::StrCat("issue-", k);
        bv1::Titre out;
        int instance = killed ? 1 : t % 2;
        grpc::Status st = Issue(instance, Convention(k), request_id, &out);
        if (!st.ok() && instance == 0) {
          ++failed_on_killed;
          st = Issue(1, Convention(k), request_id, &out);  // the first answer, if it committed
        }
        if (!st.ok()) {
          ADD_FAILURE() << st.error_message();
          break;
        }
        absl::MutexLock lock(&mu);
        EXPECT_TRUE(acknowledged_numbers.insert(out.name()).second) << out.name() << " twice";
        ++acknowledged;
      }
      ++finished;
    });
  }
  WaitFor(acknowledged, kConventions / 10, finished, 8);
  instances_[0]->Kill();
  killed = true;
  // The kill landed mid-work: some titres durable, not all.
  EXPECT_LT(QueryInt("SELECT COUNT(*) FROM titres"), kConventions);
  for (auto& t : issuers) t.join();
  EXPECT_GT(failed_on_killed.load(), 0) << "calls were in flight on the killed instance";
  EXPECT_EQ(acknowledged.load(), kConventions);
  Start(0);  // back, on the same database
  for (const std::string& name : acknowledged_numbers) {
    bv1::GetTitreRequest get;
    get.set_name(name);
    bv1::Titre t;
    ASSERT_TRUE(stubs_[0]->GetTitre(As(TestPrincipals::kFinance).get(), get, &t).ok()) << name;
  }
  ExpectOneGaplessTitrePerConvention(kConventions);
}

// Issuers on both instances that send a call again, with the same request
// id, while it is answered UNAVAILABLE (as a client riding out a database
// outage would); each successful call's sending and answering instants are
// kept, to show which calls spanned the outage.
class RetryingIssuers {
 public:
  static int64_t NowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  RetryingIssuers(PostgresInstancesTest* test, int conventions, int threads)
      : test_(test), threads_(threads) {
    for (int t = 0; t < threads; ++t) {
      issuers_.emplace_back([this, conventions, t] {
        for (int k = t; k < conventions; k += threads_) {
          if (!IssueUntilAnswered(t % 2, k)) break;
          ++acknowledged_;
        }
        ++finished_;
      });
    }
  }

  // Once a tenth of `conventions` is acknowledged (or the issuers stopped).
  void WaitForATenth(int conventions) {
    while (acknowledged_ < conventions / 10 && finished_ < threads_) std::this_thread::yield();
  }
  void Join() {
    for (auto& t : issuers_) t.join();
  }
  // Calls answered OK that were in flight at some instant of [from, to].
  int SpanningCalls(int64_t from_us, int64_t to_us) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [sent, answered] : calls_) {
      if (sent < to_us && answered > from_us) ++n;
    }
    return n;
  }
  int acknowledged() const { return acknowledged_; }
  int unavailable() const { return unavailable_; }

 private:
  bool IssueUntilAnswered(int instance, int k);

  PostgresInstancesTest* const test_;
  const int threads_;
  std::atomic<int> acknowledged_{0}, unavailable_{0}, finished_{0};
  absl::Mutex mu_;
  std::vector<std::pair<int64_t, int64_t>> calls_ ABSL_GUARDED_BY(mu_);  // (sent, answered OK), µs
  std::vector<std::thread> issuers_;
};

bool RetryingIssuers::IssueUntilAnswered(int instance, int k) {
  bv1::Titre out;
  while (true) {
    const int64_t sent = NowUs();
    grpc::Status st = test_->Issue(instance, Convention(k), absl::StrCat("issue-", k), &out);
    if (st.ok()) {
      absl::MutexLock lock(&mu_);
      calls_.emplace_back(sent, NowUs());
      return true;
    }
    if (st.error_code() != grpc::StatusCode::UNAVAILABLE) {
      ADD_FAILURE() << st.error_message();
      return false;
    }
    ++unavailable_;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// PostgreSQL stops (clients disconnected) and starts again while both
// instances issue: the services reconnect by themselves; a transaction cut
// before its commit is run again, one cut during its commit is answered
// UNAVAILABLE and its retry gets the first answer.
TEST_F(PostgresInstancesTest, ADatabaseRestartUnderLoadIsRiddenOut) {
  constexpr int kConventions = 400;
  NotifyConventions(kConventions);
  RetryingIssuers issuers(this, kConventions, 6);
  issuers.WaitForATenth(kConventions);
  ASSERT_TRUE(server_->Stop("fast").ok());
  const int64_t down_at = RetryingIssuers::NowUs();  // the server is stopped from here...
  const int acknowledged_while_down = issuers.acknowledged();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int64_t restarting_at = RetryingIssuers::NowUs();  // ...to here at least
  ASSERT_TRUE(server_->StartAgain().ok());
  issuers.Join();
  const int rode_out = issuers.SpanningCalls(down_at, restarting_at);
  EXPECT_LT(acknowledged_while_down, kConventions) << "the restart landed with work left";
  EXPECT_GT(rode_out, 0) << "calls in flight while the database was down completed after it came back";
  ExpectOneGaplessTitrePerConvention(kConventions);
  std::printf("acknowledged when stopped: %d of %d; UNAVAILABLE answers: %d; calls that rode it out: %d\n",
              acknowledged_while_down, kConventions, issuers.unavailable(), rode_out);
}

// A primary and a synchronous streaming standby; both instances on a
// multi-host URI with target_session_attrs=read-write. The primary crashes
// under load and the standby is promoted: the services find it by
// themselves, and nothing acknowledged is lost.
TEST_F(PostgresInstancesTest, AStandbyPromotedUnderLoadLosesNothingAcknowledged) {
  auto primary = testing::PostgresServer::Start();
  ASSERT_TRUE(primary.ok()) << primary.status();
  auto on_primary = (*primary)->CreateDatabase();
  ASSERT_TRUE(on_primary.ok()) << on_primary.status();
  const std::string database = on_primary->substr(on_primary->rfind('/') + 1);
  auto standby = (*primary)->StartSynchronousStandby();
  ASSERT_TRUE(standby.ok()) << standby.status();
  uri_ = absl::StrCat("postgresql://postgres@127.0.0.1:", (*primary)->port(), ",127.0.0.1:",
                      (*standby)->port(), "/", database, "?target_session_attrs=read-write");
  for (int i = 0; i < 2; ++i) {
    instances_[i]->Kill();
    Start(i);
  }
  bv1::SetTariffRequest tariff = testing::Tariff2021Request();
  tariff.set_request_id("tariff-failover");
  bv1::Tariff tariff_out;
  ASSERT_TRUE(stubs_[0]->SetTariff(As(TestPrincipals::kFinance).get(), tariff, &tariff_out).ok());
  constexpr int kConventions = 300;
  NotifyConventions(kConventions);

  RetryingIssuers issuers(this, kConventions, 6);
  issuers.WaitForATenth(kConventions);
  ASSERT_TRUE((*primary)->Stop("immediate").ok());  // a crash
  const int64_t down_at = RetryingIssuers::NowUs();
  const int acknowledged_at_crash = issuers.acknowledged();
  ASSERT_TRUE((*standby)->Promote().ok());
  const int64_t promoted_at = RetryingIssuers::NowUs();
  issuers.Join();
  const int rode_out = issuers.SpanningCalls(down_at, promoted_at);
  EXPECT_LT(acknowledged_at_crash, kConventions) << "the crash landed with work left";
  EXPECT_GT(rode_out, 0) << "calls in flight during the failover completed on the new primary";
  EXPECT_EQ(issuers.acknowledged(), kConventions);
  ExpectOneGaplessTitrePerConvention(kConventions);
  std::printf("acknowledged at the crash: %d of %d; UNAVAILABLE answers: %d; calls that rode it out: %d\n",
              acknowledged_at_crash, kConventions, issuers.unavailable(), rode_out);
}

namespace cv1 = ::ent::convention::v1;
namespace tv1 = ::ent::testing::v1;

// Two convention-services on one fresh database.
class PostgresConventionInstancesTest : public PostgresInstancesTest {
 protected:
  // The instances' flags beyond the principals and the database: here a
  // simulated clock and small timer batches, so that both engines take part
  // in a storm.
  virtual std::vector<std::string> Flags() const {
    return {"--clock=simulated:2021-11-20T10:00:00+01:00", "--timer-batch=5"};
  }

  void SetUp() override {
    auto uri = server_->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
    for (int i = 0; i < 2; ++i) {
      std::vector<std::string> flags = {"--principals=" + principals_.path(), "--database=" + uri_};
      for (const std::string& f : Flags()) flags.push_back(f);
      conventions_[i] = std::make_unique<testing::ServiceProcess>(
          testing::BinaryPath("convention-service/ent-convention-service"), dirs_[i].path(), flags);
      ASSERT_TRUE(conventions_[i]->Start().ok());
      conv_[i] = cv1::ConventionService::NewStub(conventions_[i]->Channel());
      clock_[i] = tv1::ClockService::NewStub(conventions_[i]->Channel());
    }
  }

  // An active convention, created and signed through `instance`.
  std::string Activate(int instance, int i) {
    cv1::CreateConventionRequest req = demo::SaintAmbroixCreate();
    req.set_convention_id(absl::StrCat("m", i));
    req.set_request_id(absl::StrCat("create-", i));
    testing::SetCommune(req.mutable_convention(), testing::NthCommuneOf("30", i));
    cv1::Convention c;
    grpc::Status st = conv_[instance]->CreateConvention(As(TestPrincipals::kRectorat).get(), req, &c);
    EXPECT_TRUE(st.ok()) << st.error_message();
    int k = 0;
    for (auto sig : {demo::SaintAmbroixAcademieSignature(), demo::SaintAmbroixCommuneSignature()}) {
      sig.set_name(c.name());
      sig.set_request_id(absl::StrCat("sign-", i, "-", k++));
      st = conv_[instance]->SignConvention(As(TestPrincipals::kRectorat).get(), sig, &c);
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    return c.name();
  }

  int SetTime(int instance, int64_t unix_seconds) {
    tv1::SetTimeRequest req;
    req.mutable_time()->set_seconds(unix_seconds);
    tv1::GetTimeResponse resp;
    grpc::Status st = clock_[instance]->SetTime(As(TestPrincipals::kRectorat).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.timers_fired();
  }

  // "timer_fired" lines in an instance's log.
  static int TimersFiredIn(const testing::ServiceProcess& p) {
    std::ifstream log(p.log_path());
    int n = 0;
    for (std::string line; std::getline(log, line);) {
      if (line.find("\"event\":\"timer_fired\"") != std::string::npos) ++n;
    }
    return n;
  }

  std::unique_ptr<testing::ServiceProcess> conventions_[2];
  std::unique_ptr<cv1::ConventionService::Stub> conv_[2];
  std::unique_ptr<tv1::ClockService::Stub> clock_[2];
};

TEST_F(PostgresConventionInstancesTest, BothEnginesFireEachTimerOnceAndEitherInstanceStreamsEverything) {
  constexpr int kConventions = 40;
  // A watcher on instance 1, from the start of the history.
  grpc::ClientContext watch_ctx;
  principals_.Authorize(watch_ctx, TestPrincipals::kRectorat);
  watch_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  auto watch = conv_[1]->WatchConventionEvents(&watch_ctx, cv1::WatchConventionEventsRequest());

  std::vector<std::string> names;
  for (int i = 0; i < kConventions; ++i) {
    names.push_back(Activate(i % 2, i));
    // Acknowledged by one instance, read on the other.
    cv1::GetConventionRequest get;
    get.set_name(names.back());
    cv1::Convention read;
    ASSERT_TRUE(conv_[(i + 1) % 2]->GetConvention(As(TestPrincipals::kRectorat).get(), get, &read).ok());
    EXPECT_EQ(read.state(), cv1::Convention::STATE_ACTIVE);
  }
  // Past the end date: every renewal reminder and expiry is due. Both
  // engines move at once.
  const int64_t target = absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2022, 9, 10, 10, 0, 0),
                                                             absl::UTCTimeZone()));
  int fired[2] = {0, 0};
  std::thread a([&] { fired[0] = SetTime(0, target); });
  std::thread b([&] { fired[1] = SetTime(1, target); });
  a.join();
  b.join();
  // Each engine fires through SetTime and from its own thread (woken by the
  // other's notifications): each instance's log names the timers it fired.
  int logged[2] = {0, 0};
  for (int i = 0; i < 600 && logged[0] + logged[1] < 2 * kConventions; ++i) {  // logs are written behind
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    logged[0] = TimersFiredIn(*conventions_[0]);
    logged[1] = TimersFiredIn(*conventions_[1]);
  }
  std::printf("timers fired: %d by instance 0 (%d through SetTime), %d by instance 1 (%d)\n", logged[0],
              fired[0], logged[1], fired[1]);
  EXPECT_EQ(logged[0] + logged[1], 2 * kConventions) << "each reminder and expiry once";
  EXPECT_GT(logged[0], 0) << "both engines fired timers";
  EXPECT_GT(logged[1], 0) << "both engines fired timers";
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM convention.workflow_timers WHERE state = 1"), 2 * kConventions);

  // The watcher on instance 1 saw every expiry once, whichever engine fired it.
  std::map<std::string, int> expired;
  cv1::ConventionEvent event;
  while (static_cast<int>(expired.size()) < kConventions && watch->Read(&event)) {
    if (event.type() == cv1::ConventionEvent::TYPE_EXPIRED) ++expired[event.convention()];
  }
  watch_ctx.TryCancel();
  watch->Finish();
  EXPECT_EQ(static_cast<int>(expired.size()), kConventions);
  for (const auto& [name, n] : expired) EXPECT_EQ(n, 1) << name;
  for (const std::string& name : names) {
    cv1::GetConventionRequest get;
    get.set_name(name);
    cv1::Convention c;
    ASSERT_TRUE(conv_[0]->GetConvention(As(TestPrincipals::kRectorat).get(), get, &c).ok());
    EXPECT_EQ(c.state(), cv1::Convention::STATE_EXPIRED) << name;
  }
}

}  // namespace
}  // namespace ent::billing

namespace ent::billing {
namespace {

// Two convention-services on one PostgreSQL database on the real clock, as
// in production: timers fire whichever instance scheduled them and whether
// it lives, and each instance's health says what is true of itself.
class PostgresRealClockTest : public PostgresConventionInstancesTest {
 protected:
  static constexpr int kStuckSeconds = 3;

  std::vector<std::string> Flags() const override {
    return {"--health-interval-seconds=1", absl::StrCat("--timer-stuck-seconds=", kStuckSeconds)};
  }

  void SetUp() override {
    PostgresConventionInstancesTest::SetUp();
    if (HasFatalFailure()) return;
    // Saint-Ambroix's convention of the school year in progress, in force:
    // its own timers (renewal reminder, expiry) fall due months from now.
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    demo::CurrentYearRequests r =
        demo::SaintAmbroixCurrentYear(static_cast<int>(today.year()), today.month(), today.day());
    r.create.mutable_convention()->clear_renews();
    cv1::Convention c;
    grpc::Status st = conv_[1]->CreateConvention(As(TestPrincipals::kRectorat).get(), r.create, &c);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_TRUE(conv_[1]->RecordDeliberation(As(TestPrincipals::kRectorat).get(), r.deliberation, &c).ok());
    ASSERT_TRUE(conv_[1]->SignConvention(As(TestPrincipals::kRectorat).get(), r.academie, &c).ok());
    st = conv_[1]->SignConvention(As(TestPrincipals::kRectorat).get(), r.commune, &c);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(c.state(), cv1::Convention::STATE_ACTIVE);
    convention_ = c.name();
  }

  std::unique_ptr<postgres::Connection> Session() {
    auto conn = postgres::Connection::Open(uri_, "SET search_path = convention");
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? std::move(*conn) : nullptr;
  }
  int64_t ConventionInt(const std::string& sql) {
    auto r = Session()->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && r->rows() > 0 && !r->IsNull(0, 0) ? r->Int(0, 0) : -1;
  }
  // A renewal reminder of the convention due at `due`, inserted by SQL in
  // `session` (as an instance schedules it, or a tool writes it); returns its id.
  int64_t InsertTimer(postgres::Connection& session, absl::Time due) {
    auto r = session.Query(
        "INSERT INTO workflow_timers (kind, subject, commune, due_us, last_day, rule, explanation, next_us) "
        "VALUES ('convention.renewal_reminder', $1, '30227', $2, '2027-07-02', 'test', 'inserted by the test', $2) "
        "RETURNING id",
        postgres::Params().Text(convention_).Int(absl::ToUnixMicros(due)));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->Int(0, 0) : -1;
  }
  // When timer `id` fired (InfinitePast while pending), waiting up to 120 s
  // (a deadlock detector: the delay is measured, not bounded, here).
  absl::Time FiredAt(int64_t id) {
    for (int i = 0; i < 2400; ++i) {
      const int64_t us = ConventionInt(absl::StrCat("SELECT fired_us FROM workflow_timers WHERE id = ", id,
                                                    " AND state = 1"));
      if (us > 0) return absl::FromUnixMicros(us);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return absl::InfinitePast();
  }
  // An instance's health status for `name` ("" overall): "SERVING", "NOT_SERVING" or an error.
  static std::string Health(testing::ServiceProcess& p, const std::string& name) {
    std::string response;
    const grpc::Status st = testing::RawExchange(p.Channel(), "/grpc.health.v1.Health/Check",
                                                 name.empty() ? "" : testing::EncodeStringField(1, name),
                                                 &response);
    if (!st.ok()) return "error: " + st.error_message();
    return response == std::string("\x08\x01", 2) ? "SERVING" : "NOT_SERVING";
  }
  // CPU seconds the process has used so far (utime + stime).
  static double CpuSeconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string f;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(f);
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  std::string convention_;
};

// The instance that scheduled a timer dies; the survivor fires it on time
// and stays SERVING. Then a timer no one announced (written with triggers
// off, as a restore writes rows) fires within the poll.
TEST_F(PostgresRealClockTest, ATimerLeftByAKilledInstanceFiresOnTheSurvivorWhichStaysServing) {
  auto b_session = Session();
  const absl::Time due = absl::Now() + absl::Seconds(4);
  const int64_t id = InsertTimer(*b_session, due);
  conventions_[1]->Kill();  // B is gone before its timer falls due
  const absl::Time fired = FiredAt(id);
  ASSERT_NE(fired, absl::InfinitePast()) << "the survivor never fired the timer";
  const absl::Duration delay = fired - due;
  EXPECT_GE(delay, absl::ZeroDuration()) << "fired early";
  std::printf("timer scheduled by a killed instance: fired %.3f s after it fell due\n",
              absl::ToDoubleSeconds(delay));

  auto tool = Session();
  ASSERT_TRUE(tool->Exec("SET session_replication_role = replica").ok());  // no trigger: no notification
  const absl::Time due2 = absl::Now() + absl::Seconds(1);
  const int64_t unannounced = InsertTimer(*tool, due2);
  const absl::Time fired2 = FiredAt(unannounced);
  ASSERT_NE(fired2, absl::InfinitePast()) << "the poll never found the unannounced timer";
  std::printf("timer no one announced: fired %.3f s after it fell due (poll: 2 s)\n",
              absl::ToDoubleSeconds(fired2 - due2));

  // Later than --timer-stuck-seconds after B's death, A is SERVING, whole.
  std::this_thread::sleep_for(std::chrono::seconds(kStuckSeconds + 2));
  EXPECT_EQ(Health(*conventions_[0], "ent.workflow"), "SERVING");
  EXPECT_EQ(Health(*conventions_[0], ""), "SERVING");
  EXPECT_EQ(ConventionInt("SELECT count(*) FROM convention_events WHERE type = 14"), 2)
      << "two renewal reminders recorded, each once";
}

// Due timers held by another session (an instance stuck mid-batch, here a
// transaction the test keeps open): both engines back off rather than spin,
// stay SERVING although the fleet has overdue timers, fire the free ones,
// and fire the held ones once released - each once.
TEST_F(PostgresRealClockTest, EnginesBackOffFromTimersHeldElsewhereAndFireThemWhenReleased) {
  constexpr int kTimers = 20;
  auto writer = Session();
  const absl::Time due = absl::Now() + absl::Seconds(2);
  std::vector<int64_t> ids;
  for (int i = 0; i < kTimers; ++i) ids.push_back(InsertTimer(*writer, due));
  auto holder = Session();
  ASSERT_TRUE(holder->Exec("BEGIN").ok());
  auto held = holder->Query(absl::StrCat("SELECT id FROM workflow_timers WHERE id >= ", ids[kTimers / 2],
                                         " AND id <= ", ids.back(), " FOR UPDATE"));
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(held->rows(), kTimers / 2);
  for (int i = 0; i < kTimers / 2; ++i) ASSERT_NE(FiredAt(ids[i]), absl::InfinitePast());

  // Overdue and held, for longer than --timer-stuck-seconds.
  auto commits = [&] {
    return ConventionInt("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
  };
  const int64_t commits_before = commits();
  const double cpu_before[2] = {CpuSeconds(conventions_[0]->pid()), CpuSeconds(conventions_[1]->pid())};
  const absl::Time window_start = absl::Now();
  std::this_thread::sleep_for(std::chrono::seconds(kStuckSeconds + 2));
  const double window = absl::ToDoubleSeconds(absl::Now() - window_start);
  const double cpu[2] = {CpuSeconds(conventions_[0]->pid()) - cpu_before[0],
                         CpuSeconds(conventions_[1]->pid()) - cpu_before[1]};
  const int64_t window_commits = commits() - commits_before;
  std::printf("held for %.1f s: %lld commits in the database (every session), CPU %.3f s and %.3f s\n",
              window, static_cast<long long>(window_commits), cpu[0], cpu[1]);
  EXPECT_EQ(ConventionInt("SELECT count(*) FROM workflow_timers WHERE state = 0 AND rule = 'test'"), kTimers / 2);
  // A spinning engine commits a transaction per pass, thousands a second.
  EXPECT_LT(window_commits, 300) << "the engines spin on timers they cannot take";
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Health(*conventions_[i], "ent.workflow"), "SERVING") << "instance " << i;
    EXPECT_EQ(Health(*conventions_[i], ""), "SERVING") << "instance " << i;
  }

  ASSERT_TRUE(holder->Exec("ROLLBACK").ok());
  for (int i = kTimers / 2; i < kTimers; ++i) ASSERT_NE(FiredAt(ids[i]), absl::InfinitePast());
  EXPECT_EQ(ConventionInt("SELECT count(*) FROM convention_events WHERE type = 14"), kTimers)
      << "each held timer fired once";
}

}  // namespace
}  // namespace ent::billing

namespace ent::billing {
namespace {

// The crash campaign: two convention-services (each delivering its notices
// to one of two billing-services) and two billing-services on one
// PostgreSQL database, under load on the real clock, instances SIGKILLed at
// random and restarted on their ports, the primary crashed and restarted
// once. Callers behave as behind a load balancer: a call that fails is sent
// again, with the same request id, to either instance. Afterwards: every
// acknowledged convention is there and in force, every acknowledged titre is
// there, the numbering is gapless with one titre per convention, every timer
// fired exactly once, every notice reached billing.
class PostgresCrashCampaignTest : public PostgresInstancesTest {
 protected:
  static constexpr int kConventions = 60;  // created and signed during the campaign
  static constexpr int kTitres = 600;      // issued during the campaign
  static constexpr int kTimers = 40;       // falling due during the campaign

  void SetUp() override {
    auto uri = server_->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
    token_file_ = dirs_[0].path() + "/internal.token";
    std::ofstream(token_file_) << principals_.Token(TestPrincipals::kInternal) << "\n";
    for (int i = 0; i < 2; ++i) StartBilling(i, "127.0.0.1:0");
    for (int i = 0; i < 2; ++i) StartConvention(i, "127.0.0.1:0");
    bv1::Tariff tariff;
    ASSERT_TRUE(Billing(0)->SetTariff(As(TestPrincipals::kFinance).get(), testing::Tariff2021Request(), &tariff).ok());
    NotifyConventions(kTitres);
    // The convention the campaign's timers remind of (in force, on the real clock).
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    template_ = demo::SaintAmbroixCurrentYear(static_cast<int>(today.year()), today.month(), today.day());
    template_.create.mutable_convention()->clear_renews();
    ASSERT_TRUE(CreateAndSign(-1));
  }

  void StartBilling(int i, const std::string& listen) {
    billing_[i] = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("billing-service/ent-billing-service"), billing_dirs_[i].path(),
        std::vector<std::string>{"--principals=" + principals_.path(), "--database=" + uri_,
                                 "--clock=simulated:2021-11-20T10:00:00+01:00"},
        listen);
    ASSERT_TRUE(billing_[i]->Start().ok());
    stubs_[i] = bv1::BillingService::NewStub(billing_[i]->Channel());
  }
  void StartConvention(int i, const std::string& listen) {
    conventions_[i] = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), convention_dirs_[i].path(),
        std::vector<std::string>{"--principals=" + principals_.path(), "--database=" + uri_,
                                 "--billing=" + billing_[i]->address(), "--billing-token-file=" + token_file_,
                                 "--timer-poll-seconds=1"},
        listen);
    ASSERT_TRUE(conventions_[i]->Start().ok());
  }

  // Stubs on the instance's current port (they change only at the first start).
  std::unique_ptr<bv1::BillingService::Stub> Billing(int i) {
    absl::MutexLock lock(&mu_);
    return bv1::BillingService::NewStub(grpc::CreateChannel(billing_addresses_[i].empty()
                                                                ? billing_[i]->address()
                                                                : billing_addresses_[i],
                                                            grpc::InsecureChannelCredentials()));
  }
  std::unique_ptr<cv1::ConventionService::Stub> Conventions(int i) {
    absl::MutexLock lock(&mu_);
    return cv1::ConventionService::NewStub(grpc::CreateChannel(
        convention_addresses_[i].empty() ? conventions_[i]->address() : convention_addresses_[i],
        grpc::InsecureChannelCredentials()));
  }
  std::unique_ptr<grpc::ClientContext> Call(const std::string& who) {
    auto ctx = As(who);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  // Sends `call(instance)` until answered OK (UNAVAILABLE, DEADLINE_EXCEEDED
  // and a refused connection are retried on the other instance); false on any
  // other error.
  template <typename F>
  bool UntilAnswered(int first, F call) {
    for (int attempt = 0; attempt < 600; ++attempt) {
      const grpc::Status st = call((first + attempt) % 2);
      if (st.ok()) return true;
      ++failed_attempts_;
      if (st.error_code() != grpc::StatusCode::UNAVAILABLE &&
          st.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        ADD_FAILURE() << st.error_code() << " " << st.error_message();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "never answered";
    return false;
  }

  // Convention `i` (-1: the timers' own) created and signed by both parties.
  bool CreateAndSign(int i) {
    cv1::CreateConventionRequest create = template_.create;
    cv1::RecordDeliberationRequest deliberation = template_.deliberation;
    cv1::SignConventionRequest academie = template_.academie, commune = template_.commune;
    const std::string id = i < 0 ? "timers" : absl::StrCat("crash-", i);
    create.set_convention_id(id);
    if (i >= 0) testing::SetCommune(create.mutable_convention(), testing::NthCommuneOf("34", i));
    for (auto* request_id : {create.mutable_request_id(), deliberation.mutable_request_id(),
                             academie.mutable_request_id(), commune.mutable_request_id()}) {
      *request_id = absl::StrCat(*request_id, "-", id);
    }
    for (auto* name : {deliberation.mutable_name(), academie.mutable_name(), commune.mutable_name()}) {
      *name = "conventions/" + id;
    }
    cv1::Convention c;
    return UntilAnswered(i & 1, [&](int k) { return Conventions(k)->CreateConvention(Call(TestPrincipals::kRectorat).get(), create, &c); }) &&
           UntilAnswered(i & 1, [&](int k) { return Conventions(k)->RecordDeliberation(Call(TestPrincipals::kRectorat).get(), deliberation, &c); }) &&
           UntilAnswered(i & 1, [&](int k) { return Conventions(k)->SignConvention(Call(TestPrincipals::kRectorat).get(), academie, &c); }) &&
           UntilAnswered(i & 1, [&](int k) { return Conventions(k)->SignConvention(Call(TestPrincipals::kRectorat).get(), commune, &c); }) &&
           c.state() == cv1::Convention::STATE_ACTIVE;
  }

  std::atomic<int> failed_attempts_{0};  // calls that failed and were sent again
  std::string token_file_;
  demo::CurrentYearRequests template_;
  testing::TempDir billing_dirs_[2], convention_dirs_[2];
  std::unique_ptr<testing::ServiceProcess> billing_[2], conventions_[2];
  absl::Mutex mu_;
  std::string billing_addresses_[2] ABSL_GUARDED_BY(mu_), convention_addresses_[2] ABSL_GUARDED_BY(mu_);
};

TEST_F(PostgresCrashCampaignTest, InstancesKilledAtRandomAndThePrimaryRestartedLoseNothingAcknowledged) {
  // Fixed ports from now on: an instance restarts where the others reach it.
  {
    absl::MutexLock lock(&mu_);
    for (int i = 0; i < 2; ++i) {
      billing_addresses_[i] = billing_[i]->address();
      convention_addresses_[i] = conventions_[i]->address();
    }
  }
  // Timers falling due over the campaign, written as an instance schedules them.
  std::vector<int64_t> timers;
  {
    auto conn = postgres::Connection::Open(uri_, "SET search_path = convention");
    ASSERT_TRUE(conn.ok()) << conn.status();
    for (int i = 0; i < kTimers; ++i) {
      const int64_t due = absl::ToUnixMicros(absl::Now() + absl::Milliseconds(300 * (i + 1)));
      auto r = (*conn)->Query(
          "INSERT INTO workflow_timers (kind, subject, commune, due_us, last_day, rule, explanation, next_us) "
          "VALUES ('convention.renewal_reminder', 'conventions/timers', '30227', $1, '2027-07-02', 'test', "
          "'campaign', $1) RETURNING id",
          postgres::Params().Int(due));
      ASSERT_TRUE(r.ok()) << r.status();
      timers.push_back(r->Int(0, 0));
    }
  }
  const absl::Time last_due = absl::Now() + absl::Milliseconds(300 * kTimers);

  std::atomic<bool> done{false};
  std::atomic<int> conventions_acknowledged{0}, kills{0}, titres_at_crash{-1}, conventions_at_crash{-1};
  absl::Mutex ack_mu;
  std::set<std::string> titres_acknowledged;
  std::thread convention_load([&] {
    for (int i = 0; i < kConventions; ++i) {
      if (!CreateAndSign(i)) break;
      ++conventions_acknowledged;
    }
  });
  std::vector<std::thread> titre_load;
  for (int t = 0; t < 4; ++t) {
    titre_load.emplace_back([&, t] {
      for (int k = t; k < kTitres; k += 4) {
        bv1::IssueTitreRequest req;
        req.set_convention(Convention(k));
        req.set_school_year("2021-2022");
        req.set_request_id(absl::StrCat("issue-", k));
        bv1::Titre out;
        if (!UntilAnswered(t, [&](int i) { return Billing(i)->IssueTitre(Call(TestPrincipals::kFinance).get(), req, &out); })) {
          return;
        }
        absl::MutexLock lock(&ack_mu);
        EXPECT_TRUE(titres_acknowledged.insert(out.name()).second) << out.name() << " twice";
      }
    });
  }
  // The killer: an instance at random every 0.8 s, back 0.3 s later on its
  // port; the primary crashed once, in the middle.
  std::thread killer([&] {
    std::mt19937 random(20261207);
    for (int round = 0; !done; ++round) {
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
      if (done) break;
      if (round == 0) {
        {
          absl::MutexLock lock(&ack_mu);
          titres_at_crash = static_cast<int>(titres_acknowledged.size());
        }
        conventions_at_crash = conventions_acknowledged.load();
        ASSERT_TRUE(server_->Stop("immediate").ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        ASSERT_TRUE(server_->StartAgain().ok());
        continue;
      }
      const int victim = static_cast<int>(random() % 4);
      const int i = victim % 2;
      if (victim < 2) {
        const std::string listen = billing_[i]->address();
        billing_[i]->Kill();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        StartBilling(i, listen);
      } else {
        const std::string listen = conventions_[i]->address();
        conventions_[i]->Kill();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        StartConvention(i, listen);
      }
      ++kills;
    }
  });
  convention_load.join();
  for (auto& t : titre_load) t.join();
  // Until the last timer fell due, and a few kills, at least.
  while (absl::Now() < last_due || kills < 6) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  done = true;
  killer.join();
  std::printf("crash campaign: %d instance kills and a primary crash (at %d of %d conventions and %d of %d "
              "titres acknowledged); %d calls failed and were sent again; %d conventions and %zu titres "
              "acknowledged\n",
              kills.load(), conventions_at_crash.load(), kConventions, titres_at_crash.load(), kTitres,
              failed_attempts_.load(), conventions_acknowledged.load(), titres_acknowledged.size());
  // The faults landed with work in flight.
  EXPECT_GT(failed_attempts_.load(), 0) << "no call was cut by a fault";
  EXPECT_LT(titres_at_crash.load() + conventions_at_crash.load(), kTitres + kConventions)
      << "the primary crashed after the load";
  EXPECT_GT(titres_at_crash.load() + conventions_at_crash.load(), 0) << "the primary crashed before the load";
  EXPECT_EQ(conventions_acknowledged.load(), kConventions);
  EXPECT_EQ(static_cast<int>(titres_acknowledged.size()), kTitres);

  // Every acknowledged convention, in force, on either instance.
  for (int i = 0; i < kConventions; ++i) {
    cv1::GetConventionRequest get;
    get.set_name(absl::StrCat("conventions/crash-", i));
    cv1::Convention c;
    const grpc::Status st = Conventions(i % 2)->GetConvention(Call(TestPrincipals::kRectorat).get(), get, &c);
    ASSERT_TRUE(st.ok()) << get.name() << ": " << st.error_message();
    EXPECT_EQ(c.state(), cv1::Convention::STATE_ACTIVE) << get.name();
  }
  // Every acknowledged titre; one per convention, numbered without a gap.
  for (const std::string& name : titres_acknowledged) {
    bv1::GetTitreRequest get;
    get.set_name(name);
    bv1::Titre t;
    ASSERT_TRUE(Billing(0)->GetTitre(Call(TestPrincipals::kFinance).get(), get, &t).ok()) << name;
  }
  for (int instance = 0; instance < 2; ++instance) {
    bv1::CheckNumberingRequest req;
    req.set_year(2021);
    bv1::CheckNumberingResponse report;
    ASSERT_TRUE(Billing(instance)->CheckNumbering(Call(TestPrincipals::kFinance).get(), req, &report).ok());
    EXPECT_EQ(report.count(), kTitres);
    EXPECT_EQ(report.last_sequence(), kTitres);
    EXPECT_EQ(report.gaps_size(), 0);
    EXPECT_EQ(report.duplicates_size(), 0);
  }
  // Every timer fired, each once (one reminder event per timer).
  auto convention_int = [&](const std::string& sql) {
    auto conn = postgres::Connection::Open(uri_, "SET search_path = convention");
    auto r = (*conn)->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && r->rows() > 0 ? r->Int(0, 0) : -1;
  };
  for (int i = 0; i < 600 && convention_int("SELECT count(*) FROM workflow_timers WHERE rule = 'test' AND "
                                            "state = 0") > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(convention_int("SELECT count(*) FROM workflow_timers WHERE rule = 'test' AND state = 1"), kTimers);
  EXPECT_EQ(convention_int("SELECT count(*) FROM convention_events WHERE type = 14 AND request_id LIKE 'timer-%'"),
            kTimers);
  EXPECT_EQ(convention_int("SELECT count(*) FROM (SELECT request_id FROM convention_events WHERE request_id "
                           "LIKE 'timer-%' GROUP BY request_id, type HAVING count(*) > 1) d"),
            0)
      << "a timer's effect recorded twice";
  EXPECT_EQ(convention_int("SELECT count(*) FROM workflow_timers WHERE state = 3"), 0) << "parked timers";
  // Every notice delivered: billing knows each activated convention.
  for (int i = 0; i < 600 && convention_int("SELECT count(*) FROM workflow_outbox WHERE state <> 1") > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(convention_int("SELECT count(*) FROM workflow_outbox WHERE state <> 1"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM conventions WHERE convention LIKE 'conventions/crash-%'"),
            kConventions);
}

}  // namespace
}  // namespace ent::billing
