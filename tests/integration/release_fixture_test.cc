// Databases written by earlier releases (tests/fixtures/release-*/) are read,
// served and written to by the current binaries.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/proto_dates.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/support/communes.h"
#include "tests/support/postgres_server.h"
#include "tests/support/service_process.h"
#include "tests/support/sqlite_peek.h"

namespace ent {
namespace {

namespace cv1 = ::ent::convention::v1;
namespace bv1 = ::ent::billing::v1;
namespace tv1 = ::ent::testing::v1;
using testing::Iso;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

class ReleaseFixtureTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (testing::TestsOnPostgres()) {
      GTEST_SKIP() << "the fixtures are the SQLite databases of earlier releases (data moves to "
                      "PostgreSQL by migration, not by upgrade in place)";
    }
    const std::string fixture = std::string(ENT_SOURCE_DIR) + "/tests/fixtures/" + GetParam();
    ASSERT_TRUE(std::filesystem::exists(fixture + "/convention.db")) << fixture;
    std::filesystem::copy_file(fixture + "/convention.db", conventions_dir_.path() + "/convention.db");
    std::filesystem::copy_file(fixture + "/billing.db", billing_dir_.path() + "/billing.db");
    credentials_ = fixture + "/credentials";
  }

  // Starts both services on the copies (on `database` when given).
  void Start(const std::string& database = "") {
    // Keep the old stored answers: the test replays one of 2021.
    std::vector<std::string> common = {"--principals=" + credentials_ + "/principals.textproto",
                                       "--clock=simulated:2022-06-01T10:00:00+02:00",
                                       "--retention-days=3650"};
    if (!database.empty()) common.push_back("--database=" + database);
    billing_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("billing-service/ent-billing-service"), billing_dir_.path(), common);
    ASSERT_TRUE(billing_->Start().ok());
    std::vector<std::string> conv = common;
    conv.push_back("--billing=" + billing_->address());
    conv.push_back("--billing-token-file=" + credentials_ + "/internal-dev.token");
    conventions_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), conventions_dir_.path(),
        conv);
    ASSERT_TRUE(conventions_->Start().ok());
    stub_ = cv1::ConventionService::NewStub(conventions_->Channel());
    billing_stub_ = bv1::BillingService::NewStub(billing_->Channel());
  }

  std::string conventions_db() const { return conventions_dir_.path() + "/convention.db"; }
  std::string billing_db() const { return billing_dir_.path() + "/billing.db"; }

  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + Read(credentials_ + "/" + who + ".token"));
    return ctx;
  }

  cv1::Convention Get(const std::string& name) {
    cv1::GetConventionRequest req;
    req.set_name(name);
    cv1::Convention c;
    const grpc::Status st = stub_->GetConvention(As("support-dev").get(), req, &c);
    EXPECT_TRUE(st.ok()) << name << ": " << st.error_message();
    return c;
  }

  testing::TempDir conventions_dir_;
  testing::TempDir billing_dir_;
  std::string credentials_;
  std::unique_ptr<testing::ServiceProcess> billing_;
  std::unique_ptr<testing::ServiceProcess> conventions_;
  std::unique_ptr<cv1::ConventionService::Stub> stub_;
  std::unique_ptr<bv1::BillingService::Stub> billing_stub_;
};

TEST_P(ReleaseFixtureTest, OldRecordsAreReadAndServed) {
  Start();
  cv1::Convention saint_ambroix = Get("conventions/30227-2021");
  EXPECT_EQ(saint_ambroix.state(), cv1::Convention::STATE_TERMINATED);
  EXPECT_EQ(saint_ambroix.commune().siren(), "213002272");
  EXPECT_EQ(saint_ambroix.schools_size(), 2);
  EXPECT_EQ(Get("conventions/34172-2022").state(), cv1::Convention::STATE_ACTIVE);
  EXPECT_EQ(Get("conventions/30007-2022").state(), cv1::Convention::STATE_DRAFT);

  cv1::GetDisputeRequest dispute;
  dispute.set_name("conventions/30227-2021/disputes/1");
  cv1::Dispute d;
  ASSERT_TRUE(stub_->GetDispute(As("support-dev").get(), dispute, &d).ok());
  EXPECT_EQ(d.state(), cv1::Dispute::STATE_TERMINATED);
  EXPECT_EQ(Iso(d.conciliation_deadline().last_day()), "2022-05-02");
  EXPECT_EQ(Iso(d.termination().effective_deadline().last_day()), "2022-05-27");

  cv1::ListConventionEventsRequest events;
  events.set_parent("conventions/30227-2021");
  cv1::ListConventionEventsResponse history;
  ASSERT_TRUE(stub_->ListConventionEvents(As("support-dev").get(), events, &history).ok());
  EXPECT_GE(history.events_size(), 6);

  // Pending deadlines, with the date each delay runs from (backfilled).
  cv1::ListDeadlinesResponse deadlines;
  ASSERT_TRUE(stub_->ListDeadlines(As("support-dev").get(), cv1::ListDeadlinesRequest(), &deadlines).ok());
  ASSERT_EQ(deadlines.deadlines_size(), 3);
  EXPECT_EQ(deadlines.deadlines(0).kind(), cv1::PendingDeadline::KIND_CONCILIATION);
  EXPECT_EQ(Iso(deadlines.deadlines(0).deadline().from_date()), "2022-05-30");
  EXPECT_EQ(Iso(deadlines.deadlines(0).deadline().last_day()), "2022-06-30");
  EXPECT_EQ(deadlines.deadlines(1).kind(), cv1::PendingDeadline::KIND_RENEWAL_REMINDER);
  EXPECT_EQ(Iso(deadlines.deadlines(1).deadline().from_date()), "2023-08-31");
  EXPECT_EQ(deadlines.deadlines(2).kind(), cv1::PendingDeadline::KIND_EXPIRY);
  EXPECT_EQ(Iso(deadlines.deadlines(2).deadline().from_date()), "2023-08-31");

  bv1::GetTitreRequest titre;
  titre.set_name("titres/2021-000001");
  bv1::Titre t;
  ASSERT_TRUE(billing_stub_->GetTitre(As("finance-dev").get(), titre, &t).ok());
  EXPECT_EQ(t.total_cents(), 10000);
  EXPECT_EQ(t.lines_size(), 2);
}

TEST_P(ReleaseFixtureTest, OldDatabasesTakeNewWritesAndTimersFire) {
  Start();
  // A request of the old release, retried by its principal, gets its first
  // answer (the seed's creation of Saint-Ambroix, version 1, DRAFT); the same
  // id from another principal is that principal's own new request.
  cv1::Convention replay;
  grpc::Status st =
      stub_->CreateConvention(As("rectorat-dev").get(), demo::SaintAmbroixCreate(), &replay);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(replay.state(), cv1::Convention::STATE_DRAFT);
  EXPECT_EQ(replay.name(), "conventions/30227-2021");
  EXPECT_EQ(Get("conventions/30227-2021").state(), cv1::Convention::STATE_TERMINATED);

  cv1::Convention ales = Get("conventions/30007-2022");
  cv1::SignConventionRequest sign;
  sign.set_name(ales.name());
  sign.set_request_id("fixture-sign-1");
  sign.mutable_signature()->set_party(cv1::PARTY_ROLE_ACADEMIE);
  *sign.mutable_signature()->mutable_date() = testing::Date(2022, 6, 1);
  sign.mutable_signature()->set_signatory("Signataire");
  sign.mutable_signature()->set_capacity("rectrice");
  sign.mutable_signature()->set_place("Montpellier");
  cv1::Convention signed_once;
  st = stub_->SignConvention(As("rectorat-dev").get(), sign, &signed_once);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(signed_once.state(), cv1::Convention::STATE_SIGNING);

  // The conciliation of Montpellier's dispute lapses when its deadline passes.
  auto clock = tv1::ClockService::NewStub(conventions_->Channel());
  tv1::SetTimeRequest set;
  set.mutable_time()->set_seconds(1656626400 + 3600);  // 2022-07-01T00:00+02:00, plus an hour
  tv1::GetTimeResponse now;
  st = clock->SetTime(As("rectorat-dev").get(), set, &now);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(now.timers_fired(), 1);
  cv1::GetDisputeRequest dispute;
  dispute.set_name("conventions/34172-2022/disputes/1");
  cv1::Dispute d;
  ASSERT_TRUE(stub_->GetDispute(As("support-dev").get(), dispute, &d).ok());
  EXPECT_EQ(d.state(), cv1::Dispute::STATE_CONCILIATION_LAPSED);

  // Billing takes a payment on the old titre.
  bv1::RecordPaymentRequest pay;
  pay.set_titre("titres/2021-000001");
  pay.set_request_id("fixture-pay-1");
  pay.mutable_payment()->set_amount_cents(4000);
  *pay.mutable_payment()->mutable_received_date() = testing::Date(2022, 6, 1);
  pay.mutable_payment()->set_reference("virement 42");
  bv1::Payment payment;
  st = billing_stub_->RecordPayment(As("finance-dev").get(), pay, &payment);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // The counts the metrics read, backfilled by the migrations and kept by
  // triggers through these writes, agree with the tables.
  conventions_->Stop();
  billing_->Stop();
  EXPECT_EQ(*testing::QueryInt(conventions_db(),
                               "SELECT count(*) FROM (SELECT 'convention' e, state, count(*) c FROM "
                               "conventions GROUP BY state UNION ALL SELECT 'dispute', state, count(*) "
                               "FROM disputes GROUP BY state) t LEFT JOIN state_counts s ON s.entity = "
                               "t.e AND s.state = t.state WHERE s.n IS NOT t.c"),
            0);
  EXPECT_EQ(*testing::QueryInt(conventions_db(), "SELECT sum(n) FROM state_counts WHERE entity = 'convention'"),
            *testing::QueryInt(conventions_db(), "SELECT count(*) FROM conventions"));
  EXPECT_EQ(*testing::QueryInt(billing_db(),
                               "SELECT count(*) FROM (SELECT t.school_year y, count(*) n, sum(total_cents) i "
                               "FROM titres t GROUP BY t.school_year) a LEFT JOIN billing_totals b ON "
                               "b.school_year = a.y WHERE b.titres IS NOT a.n OR b.issued_cents IS NOT a.i"),
            0);
  EXPECT_EQ(*testing::QueryInt(billing_db(), "SELECT sum(paid_cents) FROM billing_totals"),
            *testing::QueryInt(billing_db(), "SELECT sum(amount_cents) FROM payments"));
}

// A notice the old release queued but had not delivered (release fbf17cd:
// its own JSON; b353b82: protobuf JSON, typed by the migration) is delivered
// by the current outbox and applied by the current billing-service.
TEST_P(ReleaseFixtureTest, NoticesQueuedByTheOldReleaseAreStillDelivered) {
  // As if Montpellier's activation had not reached billing yet.
  ASSERT_TRUE(testing::Execute(conventions_db(),
                               "UPDATE workflow_outbox SET state = 0, attempts = 0, next_attempt_us "
                               "= 0, delivered_us = NULL WHERE key = 'conventions/34172-2022'").ok());
  ASSERT_TRUE(testing::Execute(billing_db(), "DELETE FROM notices WHERE idempotency_key LIKE "
                                             "'conventions/34172-2022/%'").ok());
  ASSERT_TRUE(testing::Execute(billing_db(), "DELETE FROM conventions WHERE convention = "
                                             "'conventions/34172-2022'").ok());
  // Release fbf17cd's own JSON (protobuf's mapping, since, says "inseeCode").
  ASSERT_EQ(*testing::QueryInt(conventions_db(), "SELECT instr(payload, '\"insee_code\"') > 0 "
                                                  "FROM workflow_outbox WHERE key = "
                                                  "'conventions/34172-2022'"),
            GetParam() == "release-01-fbf17cd" ? 1 : 0);
  Start();
  // Migrated: a notice queued as protobuf JSON is now its bytes with its
  // type; release fbf17cd's own JSON stays untyped and goes as it is.
  EXPECT_EQ(*testing::QueryInt(conventions_db(),
                               "SELECT min(payload_type = 'ent.billing.v1.ConventionNotice' AND "
                               "typeof(payload) = 'blob') FROM workflow_outbox WHERE key = 'conventions/34172-2022'"),
            GetParam() == "release-01-fbf17cd" ? 0 : 1);
  // Billing learns of it: issuing now fails for want of a tariff, no longer
  // because the convention is unknown.
  std::string reason;
  for (int i = 0; i < 200 && reason != "TARIFF_MISSING"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    bv1::IssueTitreRequest issue;
    issue.set_convention("conventions/34172-2022");
    issue.set_school_year("2022-2023");
    issue.set_request_id("fixture-issue-" + std::to_string(i));
    bv1::Titre t;
    const grpc::Status st = billing_stub_->IssueTitre(As("finance-dev").get(), issue, &t);
    google::rpc::Status details;
    reason.clear();
    if (details.ParseFromString(st.error_details())) {
      for (const auto& any : details.details()) {
        google::rpc::ErrorInfo info;
        if (any.UnpackTo(&info)) reason = info.reason();
      }
    }
  }
  EXPECT_EQ(reason, "TARIFF_MISSING");
}

// The JSON records of the old release are re-encoded as protobuf once, at
// start-up (convention migration 5, billing migration 3); the append-only
// guards are back afterwards.
TEST_P(ReleaseFixtureTest, OldRecordsAreReencodedOnceAndGuardsRestored) {
  ASSERT_GT(*testing::QueryInt(conventions_db(),
                               "SELECT count(*) FROM conventions WHERE typeof(body) = 'text'"),
            0);  // the fixture really holds JSON
  Start();
  conventions_->Stop();
  billing_->Stop();
  for (const char* sql : {"SELECT count(*) FROM conventions WHERE typeof(body) != 'blob'",
                          "SELECT count(*) FROM disputes WHERE typeof(body) != 'blob'",
                          "SELECT count(*) FROM convention_events WHERE typeof(changes) != 'blob'",
                          "SELECT count(*) FROM request_log WHERE typeof(response) != 'blob'"}) {
    EXPECT_EQ(*testing::QueryInt(conventions_db(), sql), 0) << sql;
  }
  EXPECT_EQ(*testing::QueryInt(billing_db(), "SELECT count(*) FROM conventions WHERE typeof(body) != 'blob'"), 0);
  EXPECT_EQ(*testing::QueryInt(billing_db(), "SELECT count(*) FROM titres WHERE typeof(body) != 'blob'"), 0);
  // Old stored answers are references, kept as they were.
  EXPECT_EQ(*testing::QueryInt(billing_db(), "SELECT count(*) FROM request_log WHERE typeof(answer) = 'text'"), 2);
  EXPECT_EQ(*testing::QueryInt(conventions_db(), "PRAGMA user_version"), 10);
  EXPECT_EQ(*testing::QueryInt(billing_db(), "PRAGMA user_version"), 6);
  // Payments and corrections of earlier releases have no recorded author.
  EXPECT_EQ(*testing::QueryInt(billing_db(), "SELECT count(*) FROM payments WHERE length(recorded_by) > 0"), 0);
  EXPECT_EQ(*testing::QueryText(conventions_db(), "SELECT message FROM record_formats WHERE "
                                                  "table_name = 'conventions'"),
            "ent.convention.storage.v1.ConventionRecord");
  EXPECT_FALSE(testing::Execute(conventions_db(), "UPDATE convention_events SET actor = 'x'").ok());
  EXPECT_FALSE(testing::Execute(billing_db(), "UPDATE titres SET total_cents = 1").ok());
}

// The appeal deadline, shown by the old release from a computation at each
// read, is stored by the migration with the same dates and explanation.
TEST_P(ReleaseFixtureTest, AppealDeadlineIsStoredAsTheOldReleaseShowedIt) {
  Start();
  cv1::Convention c = Get("conventions/30227-2021");
  EXPECT_EQ(Iso(c.deliberation().appeal_deadline().from_date()), "2021-10-29");
  // 2 months to 2021-12-29, délai franc: the day after.
  EXPECT_EQ(Iso(c.deliberation().appeal_deadline().last_day()), "2021-12-30");
  EXPECT_THAT(c.deliberation().appeal_deadline().explanation(), ::testing::HasSubstr("franc"));
}

// A convention stored before the registry checks that fails one is served,
// with the finding as a warning, and found by ListConventions(with_warnings).
TEST_P(ReleaseFixtureTest, StoredConventionsFailingANewCheckGetAWarning) {
  // Alès's draft, as if recorded with its neighbour's SIREN (a valid one).
  ASSERT_TRUE(testing::Execute(conventions_db(),
                               "UPDATE conventions SET body = json_set(body, '$.commune.siren', "
                               "'213000086') WHERE id = '30007-2022'").ok());
  Start();
  cv1::Convention ales = Get("conventions/30007-2022");
  EXPECT_EQ(ales.state(), cv1::Convention::STATE_DRAFT);
  EXPECT_TRUE(ales.registry_version().empty()) << "recorded before the checks";
  EXPECT_THAT(ales.warnings(), ::testing::Contains(::testing::AllOf(
                                   ::testing::HasSubstr("213000086 is not the SIREN of Alès"),
                                   ::testing::HasSubstr("recorded before the check"))));
  cv1::ListConventionsRequest list;
  list.set_with_warnings(true);
  list.set_page_size(1);
  std::vector<std::string> names;
  int pages = 0;
  do {
    cv1::ListConventionsResponse page;
    ASSERT_TRUE(stub_->ListConventions(As("support-dev").get(), list, &page).ok());
    for (const auto& c : page.conventions()) {
      EXPECT_GT(c.warnings_size(), 0) << c.name();
      names.push_back(c.name());
    }
    list.set_page_token(page.next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!list.page_token().empty());
  // Saint-Ambroix has the seed's two warnings, Montpellier its own (signed
  // without a deliberation), Alès the SIREN.
  EXPECT_THAT(names, ::testing::ElementsAre("conventions/30007-2022", "conventions/30227-2021",
                                            "conventions/34172-2022"));
}

// A retry of the old release's IssueTitre (its request log holds a reference)
// still answers with its titre.
TEST_P(ReleaseFixtureTest, OldStoredAnswersStillReplay) {
  Start();
  bv1::IssueTitreRequest issue;
  issue.set_convention("conventions/30227-2021");
  issue.set_school_year("2021-2022");
  issue.set_request_id("seed-titre-30227-2021");
  bv1::Titre t;
  const grpc::Status st = billing_stub_->IssueTitre(As("finance-dev").get(), issue, &t);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(t.name(), "titres/2021-000001");
  EXPECT_EQ(t.total_cents(), 10000);
}

// One fixture per release, made by tests/fixtures/make_release_fixture.sh with
// that release's binaries.
// ent-migrate moves the (migrated) files into PostgreSQL, reads every row
// back, and the services started there answer as they did on SQLite, then
// take new writes; a second run into the same database is refused.
TEST_P(ReleaseFixtureTest, MovedIntoPostgresTheServicesAnswerTheSame) {
  Start();
  const cv1::Convention before = Get("conventions/30227-2021");
  cv1::ListConventionEventsRequest events;
  events.set_parent("conventions/30227-2021");
  cv1::ListConventionEventsResponse history_before, history_after;
  ASSERT_TRUE(stub_->ListConventionEvents(As("support-dev").get(), events, &history_before).ok());
  bv1::CheckNumberingRequest numbering;
  numbering.set_year(2021);
  bv1::CheckNumberingResponse numbering_before, numbering_after;
  ASSERT_TRUE(billing_stub_->CheckNumbering(As("finance-dev").get(), numbering, &numbering_before).ok());
  conventions_->Stop();
  billing_->Stop();

  auto server = testing::SharedPostgres();
  ASSERT_TRUE(server.ok()) << server.status();
  auto uri = (*server)->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  const std::string migrate = testing::BinaryPath("tools/migrate/ent-migrate") + " --to=" + *uri +
                              " --convention-db=" + conventions_db() + " --billing-db=" + billing_db();
  const std::string report = conventions_dir_.path() + "/migrate.out";
  ASSERT_EQ(std::system((migrate + " > " + report + " 2>&1").c_str()), 0) << Read(report);
  EXPECT_THAT(Read(report), ::testing::HasSubstr("convention.convention_events:"));
  EXPECT_THAT(Read(report), ::testing::HasSubstr("billing.titres:"));
  EXPECT_THAT(Read(report), ::testing::HasSubstr("rows copied and read back equal"));

  Start(*uri);
  const cv1::Convention after = Get("conventions/30227-2021");
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  ASSERT_TRUE(stub_->ListConventionEvents(As("support-dev").get(), events, &history_after).ok());
  EXPECT_EQ(history_after.SerializeAsString(), history_before.SerializeAsString());
  ASSERT_TRUE(billing_stub_->CheckNumbering(As("finance-dev").get(), numbering, &numbering_after).ok());
  EXPECT_EQ(numbering_after.SerializeAsString(), numbering_before.SerializeAsString());
  // New writes continue the sequences: a draft and its event.
  cv1::CreateConventionRequest create = demo::SaintAmbroixCreate();
  create.set_request_id("after-migration-1");
  create.clear_convention_id();
  testing::SetCommune(create.mutable_convention(), "30007");
  create.mutable_convention()->set_school_year("2023-2024");
  *create.mutable_convention()->mutable_end_date() = testing::Date(2024, 8, 31);
  cv1::Convention created;
  grpc::Status st = stub_->CreateConvention(As("rectorat-dev").get(), create, &created);
  ASSERT_TRUE(st.ok()) << st.error_message();

  const std::string again = conventions_dir_.path() + "/migrate-again.out";
  EXPECT_NE(std::system((migrate + " > " + again + " 2>&1").c_str()), 0);
  EXPECT_THAT(Read(again), ::testing::HasSubstr("already holds"));
}

INSTANTIATE_TEST_SUITE_P(Releases, ReleaseFixtureTest,
                         ::testing::Values("release-01-fbf17cd", "release-02-b353b82"));

}  // namespace
}  // namespace ent
