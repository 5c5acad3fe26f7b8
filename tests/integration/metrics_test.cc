// Metrics as the operations team will read them: a real Prometheus server
// (Debian's `prometheus`), started by the test on loopback, scrapes both
// services' /metrics; its HTTP API then answers queries about known activity
// (the RPCs of a convention's life, the timers it scheduled, the notice the
// outbox delivered to billing-service).
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <optional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/http_get.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent {
namespace {

namespace cv1 = ::ent::convention::v1;
using ::testing::HasSubstr;
using testing::TestPrincipals;

int MetricsPort(const std::string& data_dir) {
  std::ifstream in(data_dir + "/port.metrics");
  int port = 0;
  in >> port;
  return port;
}

class MetricsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (prometheus_pid_ > 0) {
      kill(prometheus_pid_, SIGTERM);
      waitpid(prometheus_pid_, nullptr, 0);
    }
  }

  // Starts Prometheus scraping `targets` every second.
  void StartPrometheus(const std::vector<std::string>& targets) {
    const std::string config = prometheus_dir_.path() + "/prometheus.yml";
    std::ofstream out(config);
    out << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "rule_files:\n  - " << ENT_SOURCE_DIR << "/deploy/prometheus/alerts.yml\n"
        << "scrape_configs:\n  - job_name: ent\n    static_configs:\n      - targets: [";
    for (size_t i = 0; i < targets.size(); ++i) out << (i ? ", " : "") << "'" << targets[i] << "'";
    out << "]\n";
    out.close();
    prometheus_port_ = testing::FreePort();
    const std::string listen = absl::StrCat("--web.listen-address=127.0.0.1:", prometheus_port_);
    const std::string storage = "--storage.tsdb.path=" + prometheus_dir_.path() + "/data";
    const std::string config_flag = "--config.file=" + config;
    const std::string log = prometheus_dir_.path() + "/prometheus.log";
    prometheus_pid_ = fork();
    if (prometheus_pid_ == 0) {
      if (freopen(log.c_str(), "w", stderr) == nullptr) _exit(126);
      execlp("prometheus", "prometheus", config_flag.c_str(), storage.c_str(), listen.c_str(),
             "--log.level=warn", static_cast<char*>(nullptr));
      _exit(127);
    }
    ASSERT_GT(prometheus_pid_, 0);
  }

  // The value of the instant query `expr` (its first sample) once it is at
  // least `at_least`; nullopt after a minute without.
  std::optional<double> Query(const std::string& expr, double at_least) {
    for (int attempt = 0; attempt < 600; ++attempt) {
      absl::StatusOr<std::string> body =
          testing::HttpGet(prometheus_port_, "/api/v1/query?query=" + testing::UrlEncode(expr));
      if (body.ok()) {
        // {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[t,"v"]}]}}
        const size_t value = body->find("\"value\":[");
        if (value != std::string::npos) {
          const size_t quote = body->find('"', body->find(',', value) + 1);
          const double v = std::stod(body->substr(quote + 1));
          if (v >= at_least) return v;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
  }

  testing::TempDir conventions_dir_, billing_dir_, prometheus_dir_;
  TestPrincipals principals_{billing_dir_.path()};
  pid_t prometheus_pid_ = -1;
  int prometheus_port_ = 0;
};

TEST_F(MetricsTest, PrometheusScrapesBothServicesAndSeesWhatHappened) {
  const std::string clock = "--clock=simulated:2021-11-03T18:00:00+01:00";
  testing::ServiceProcess billing(testing::BinaryPath("billing-service/ent-billing-service"),
                                  billing_dir_.path(),
                                  {"--principals=" + principals_.path(), clock,
                                   "--metrics-listen=127.0.0.1:0"});
  ASSERT_TRUE(billing.Start().ok());
  const std::string token_file = conventions_dir_.path() + "/internal.token";
  std::ofstream(token_file) << principals_.Token(TestPrincipals::kInternal) << "\n";
  testing::ServiceProcess conventions(
      testing::BinaryPath("convention-service/ent-convention-service"), conventions_dir_.path(),
      {"--principals=" + principals_.path(), clock, "--metrics-listen=127.0.0.1:0",
       "--billing=" + billing.address(), "--billing-token-file=" + token_file});
  ASSERT_TRUE(conventions.Start().ok());
  const int convention_metrics = MetricsPort(conventions_dir_.path());
  const int billing_metrics = MetricsPort(billing_dir_.path());
  ASSERT_GT(convention_metrics, 0);
  ASSERT_GT(billing_metrics, 0);

  // Known activity: Saint-Ambroix created, its deliberation, both signatures
  // (ACTIVE: the expiry and reminder timers, the activation notice).
  auto stub = cv1::ConventionService::NewStub(conventions.Channel());
  cv1::Convention c;
  auto call = [&](auto method, const auto& req) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    ASSERT_TRUE(((*stub).*method)(&ctx, req, &c).ok());
  };
  call(&cv1::ConventionService::Stub::CreateConvention, demo::SaintAmbroixCreate());
  call(&cv1::ConventionService::Stub::RecordDeliberation, demo::SaintAmbroixDeliberation());
  call(&cv1::ConventionService::Stub::SignConvention, demo::SaintAmbroixAcademieSignature());
  call(&cv1::ConventionService::Stub::SignConvention, demo::SaintAmbroixCommuneSignature());
  ASSERT_EQ(c.state(), cv1::Convention::STATE_ACTIVE);
  {  // a refused call is counted under its code
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    cv1::GetConventionRequest missing;
    missing.set_name("conventions/nope");
    cv1::Convention out;
    ASSERT_EQ(stub->GetConvention(&ctx, missing, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  // Billing: the tariff, the titre once the notice has arrived, a payment.
  auto bill = ent::billing::v1::BillingService::NewStub(billing.Channel());
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kFinance);
    ent::billing::v1::SetTariffRequest tariff;
    tariff.set_request_id("metrics-tariff");
    tariff.mutable_tariff()->set_school_year("2021-2022");
    tariff.mutable_tariff()->set_unit_price_cents(5000);
    tariff.mutable_tariff()->set_legal_basis("art. 5");
    ent::billing::v1::Tariff out;
    ASSERT_TRUE(bill->SetTariff(&ctx, tariff, &out).ok());
  }
  ent::billing::v1::Titre titre;
  grpc::Status issued;
  for (int i = 0; i < 200; ++i) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kFinance);
    ent::billing::v1::IssueTitreRequest issue;
    issue.set_convention(c.name());
    issue.set_school_year("2021-2022");
    issue.set_request_id("metrics-issue");
    issued = bill->IssueTitre(&ctx, issue, &titre);
    if (issued.error_code() != grpc::StatusCode::FAILED_PRECONDITION) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(issued.ok()) << issued.error_message();
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kFinance);
    ent::billing::v1::RecordPaymentRequest pay;
    pay.set_titre(titre.name());
    pay.set_request_id("metrics-pay");
    pay.mutable_payment()->set_amount_cents(4000);
    pay.mutable_payment()->mutable_received_date()->set_year(2021);
    pay.mutable_payment()->mutable_received_date()->set_month(11);
    pay.mutable_payment()->mutable_received_date()->set_day(3);
    pay.mutable_payment()->set_reference("VIR-1");
    ent::billing::v1::Payment out;
    ASSERT_TRUE(bill->RecordPayment(&ctx, pay, &out).ok());
  }

  // The text format, straight from the service.
  absl::StatusOr<std::string> text = testing::HttpGet(convention_metrics, "/metrics");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("# TYPE grpc_server_handling_seconds histogram"));

  StartPrometheus({absl::StrCat("127.0.0.1:", convention_metrics),
                   absl::StrCat("127.0.0.1:", billing_metrics)});
  EXPECT_EQ(Query("sum(up)", 2), 2) << "both services scraped";
  EXPECT_EQ(Query("grpc_server_handled_total{grpc_service=\"ent.convention.v1.ConventionService\","
                  "grpc_method=\"SignConvention\",grpc_code=\"OK\"}",
                  2),
            2);
  EXPECT_EQ(Query("grpc_server_handled_total{grpc_method=\"GetConvention\",grpc_code=\"NotFound\"}", 1), 1);
  EXPECT_GE(Query("grpc_server_handling_seconds_count{grpc_method=\"CreateConvention\"}", 1).value_or(0), 1);
  EXPECT_EQ(Query("ent_workflow_timers_pending{kind=\"convention.expiry\"}", 1), 1);
  EXPECT_EQ(Query("ent_workflow_timers_pending{kind=\"convention.renewal_reminder\"}", 1), 1);
  // The activation notice went through the outbox to billing-service.
  EXPECT_EQ(Query("grpc_server_handled_total{grpc_service=\"ent.billing.v1.BillingService\","
                  "grpc_method=\"NotifyConventionChange\",grpc_code=\"OK\"}",
                  1),
            1);
  EXPECT_EQ(Query("ent_outbox_pending", 0), 0);
  EXPECT_GE(Query("ent_outbox_delivery_attempts_total{outcome=\"delivered\"}", 1).value_or(0), 1);
  // Business gauges, from the counts the stores keep.
  EXPECT_EQ(Query("ent_conventions{state=\"active\"}", 1), 1);
  EXPECT_EQ(Query("ent_titres_issued{school_year=\"2021-2022\"}", 1), 1);
  EXPECT_EQ(Query("ent_titres_issued_euros{school_year=\"2021-2022\"}", 100), 100);
  EXPECT_EQ(Query("ent_titres_outstanding_euros{school_year=\"2021-2022\"}", 60), 60);
  if (!testing::TestsOnPostgres()) {  // the SQLite layer's own metrics
    EXPECT_GE(Query("ent_sqlite_commit_seconds_count{database=\"convention\"}", 4).value_or(0), 4);
    EXPECT_GE(Query("ent_sqlite_batch_jobs_count{database=\"billing\"}", 1).value_or(0), 1);
  } else {  // the PostgreSQL layer's
    EXPECT_GE(Query("ent_postgres_transactions_total{database=\"convention\",outcome=\"committed\"}", 4)
                  .value_or(0),
              4);
    EXPECT_GE(Query("ent_postgres_transaction_seconds_count{database=\"billing\"}", 1).value_or(0), 1);
    EXPECT_GT(Query("ent_postgres_schema_bytes{database=\"convention\"}", 1).value_or(0), 0);
    EXPECT_EQ(Query("ent_postgres_reconnects_total{database=\"billing\"}", 0), 0);
  }

  // An alert of deploy/prometheus/alerts.yml fires in this Prometheus: a
  // dispute's conciliation deadline (2022-05-02, ends 2022-05-03 00:00 Paris)
  // comes within 48 hours of the simulated clock.
  auto clock_service = ent::testing::v1::ClockService::NewStub(conventions.Channel());
  auto set_time = [&](int64_t seconds) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    ent::testing::v1::SetTimeRequest req;
    req.mutable_time()->set_seconds(seconds);
    ent::testing::v1::GetTimeResponse resp;
    ASSERT_TRUE(clock_service->SetTime(&ctx, req, &resp).ok());
  };
  set_time(1648713600);  // 2022-03-31T10:00:00+02:00
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kSupport);
    cv1::OpenDisputeRequest open;
    open.set_parent(c.name());
    open.set_request_id("metrics-dispute");
    open.mutable_dispute()->set_party(cv1::PARTY_ROLE_COMMUNE);
    open.mutable_dispute()->set_grievances("comptes non activés");
    open.mutable_dispute()->set_notice_reference("LRAR 1A 234");
    open.mutable_dispute()->mutable_notice_sent_date()->set_year(2022);
    open.mutable_dispute()->mutable_notice_sent_date()->set_month(3);
    open.mutable_dispute()->mutable_notice_sent_date()->set_day(31);
    cv1::Dispute d;
    const grpc::Status st = stub->OpenDispute(&ctx, open, &d);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  // A month ahead (beyond the alert's 48 hours).
  EXPECT_GT(Query("ent_workflow_next_due_seconds{kind=\"dispute.conciliation_deadline\"}", 172800)
                .value_or(0),
            30 * 86400);
  set_time(1651395600);  // 2022-05-01T11:00:00+02:00: 37 hours before the deadline ends
  EXPECT_EQ(Query("ALERTS{alertname=\"EntLegalDeadlineWithin48h\",alertstate=\"firing\","
                  "kind=\"dispute.conciliation_deadline\"}",
                  1),
            1);
  // Past the deadline the conciliation lapses: the timer fires, and its lag
  // from due instant to commit is observed.
  set_time(1651532400);  // 2022-05-03T01:00:00+02:00
  EXPECT_EQ(Query("ent_workflow_timer_fire_lag_seconds_count{kind=\"dispute.conciliation_deadline\"}", 1), 1);
  EXPECT_EQ(Query("ent_disputes{state=\"conciliation_lapsed\"}", 1), 1);
}

}  // namespace
}  // namespace ent
