// The workflow end to end against the real ent-convention-service on a
// simulated clock: the Saint-Ambroix golden scenario (DESIGN §6, steps 1-2 and
// 4-6), the dispute procedure's other paths, expiry, and timers that fire
// exactly once across a SIGKILL.
#include <signal.h>

#include <chrono>
#include <map>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "demo/saint_ambroix.h"
#include <google/protobuf/util/json_util.h>

#include "ent/billing/v1/billing_service.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/support/proto_dates.h"
#include "tests/support/communes.h"
#include "tests/support/service_process.h"
#include "tests/support/store_peek.h"
#include "tests/support/sqlite_peek.h"
#include "tests/support/test_principals.h"

namespace ent::convention {
namespace {

namespace v1 = ::ent::convention::v1;
using testing::Date;
using testing::Iso;
using testing::Utc;
namespace tv1 = ::ent::testing::v1;
using testing::TestPrincipals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string NextId() {
  static std::atomic<int> n{0};
  return "wf-" + std::to_string(++n);
}

class WorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override { Start("2021-10-12T09:00:00+02:00"); }

  void Start(const std::string& clock, std::vector<std::string> extra = {}) {
    extra.push_back("--principals=" + principals_.path());
    extra.push_back("--clock=simulated:" + clock);
    service_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), dir_.path(), extra);
    ASSERT_TRUE(service_->Start().ok());
    stub_ = v1::ConventionService::NewStub(service_->Channel());
    clock_ = tv1::ClockService::NewStub(service_->Channel());
  }

  // A call context as `who` (no credentials when empty).
  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& who = TestPrincipals::kRectorat) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!who.empty()) principals_.Authorize(*ctx, who);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return ctx;
  }

  // Moves the simulated clock to `rfc3339`; returns the timers fired.
  int SetTime(const std::string& rfc3339) {
    absl::Time t;
    std::string err;
    EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
    tv1::SetTimeRequest req;
    req.mutable_time()->set_seconds(absl::ToUnixSeconds(t));
    tv1::GetTimeResponse resp;
    grpc::Status st = clock_->SetTime(Ctx().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.timers_fired();
  }

  v1::Convention Get(const std::string& name) {
    v1::GetConventionRequest req;
    req.set_name(name);
    v1::Convention out;
    EXPECT_TRUE(stub_->GetConvention(Ctx().get(), req, &out).ok());
    return out;
  }

  v1::Dispute GetDispute(const std::string& name) {
    v1::GetDisputeRequest req;
    req.set_name(name);
    v1::Dispute out;
    EXPECT_TRUE(stub_->GetDispute(Ctx().get(), req, &out).ok());
    return out;
  }

  std::vector<v1::ConventionEvent> Events(const std::string& name) {
    v1::ListConventionEventsRequest req;
    req.set_parent(name);
    req.set_page_size(1000);
    v1::ListConventionEventsResponse out;
    EXPECT_TRUE(stub_->ListConventionEvents(Ctx().get(), req, &out).ok());
    return {out.events().begin(), out.events().end()};
  }

  // Steps 1-2: the Saint-Ambroix convention, signed on the seed's dates.
  std::string SaintAmbroixActive() {
    v1::Convention c;
    EXPECT_TRUE(stub_->CreateConvention(Ctx().get(), demo::SaintAmbroixCreate(), &c).ok());
    EXPECT_TRUE(stub_->SignConvention(Ctx().get(), demo::SaintAmbroixAcademieSignature(), &c).ok());
    SetTime("2021-11-03T15:00:00+01:00");
    EXPECT_TRUE(stub_->RecordDeliberation(Ctx().get(), demo::SaintAmbroixDeliberation(), &c).ok());
    grpc::Status st =
        stub_->SignConvention(Ctx().get(), demo::SaintAmbroixCommuneSignature(), &c);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return c.name();
  }

  // `n` conventions `{prefix}{i}` like Saint-Ambroix's, one commune each (so
  // that they may all be in force at once), signed by both parties.
  void ActivateMany(const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) {
      v1::CreateConventionRequest req = demo::SaintAmbroixCreate();
      req.set_convention_id(prefix + std::to_string(i));
      req.set_request_id(NextId());
      testing::SetCommune(req.mutable_convention(), testing::NthCommuneOf("30", i));
      v1::Convention c;
      ASSERT_TRUE(stub_->CreateConvention(Ctx().get(), req, &c).ok());
      for (auto sig : {demo::SaintAmbroixAcademieSignature(), demo::SaintAmbroixCommuneSignature()}) {
        sig.set_name(c.name());
        sig.set_request_id(NextId());
        ASSERT_TRUE(stub_->SignConvention(Ctx().get(), sig, &c).ok());
      }
    }
  }

  grpc::Status Open(const std::string& convention, google::type::Date sent, v1::Dispute* out,
                    v1::PartyRole party = v1::PARTY_ROLE_COMMUNE,
                    const std::string& who = TestPrincipals::kRectorat) {
    v1::OpenDisputeRequest req;
    req.set_parent(convention);
    req.set_request_id(NextId());
    req.mutable_dispute()->set_party(party);
    req.mutable_dispute()->set_grievances("Comptes référent ville non activés");
    req.mutable_dispute()->set_notice_reference("LRAR 1A 234 567 8901 2");
    *req.mutable_dispute()->mutable_notice_sent_date() = sent;
    return stub_->OpenDispute(Ctx(who).get(), req, out);
  }

  grpc::Status Terminate(const std::string& dispute, google::type::Date sent, v1::Dispute* out,
                         v1::PartyRole party = v1::PARTY_ROLE_COMMUNE) {
    v1::SendTerminationNoticeRequest req;
    req.set_name(dispute);
    req.set_request_id(NextId());
    req.mutable_termination()->set_party(party);
    req.mutable_termination()->set_reasons("Engagements réciproques non respectés");
    req.mutable_termination()->set_letter_reference("LRAR 1A 234 567 8902 9");
    *req.mutable_termination()->mutable_sent_date() = sent;
    return stub_->SendTerminationNotice(Ctx().get(), req, out);
  }

  testing::TempDir dir_;
  TestPrincipals principals_{dir_.path()};
  std::unique_ptr<testing::ServiceProcess> service_;
  std::unique_ptr<v1::ConventionService::Stub> stub_;
  std::unique_ptr<tv1::ClockService::Stub> clock_;
};

// DESIGN §6, steps 4-6, with the exact dates and instants.
TEST_F(WorkflowTest, GoldenScenarioDisputeLapseAndTermination) {
  const std::string name = SaintAmbroixActive();
  v1::Convention c = Get(name);
  ASSERT_EQ(c.state(), v1::Convention::STATE_ACTIVE);
  EXPECT_EQ(Iso(c.effective_date()), "2021-11-03");
  EXPECT_TRUE(c.referent_accounts_active());
  EXPECT_EQ(Iso(c.deliberation().appeal_deadline().last_day()), "2021-12-30");

  // Step 4: formal notice on Thursday 31 March 2022.
  SetTime("2022-03-31T10:00:00+02:00");
  v1::Dispute d;
  ASSERT_TRUE(Open(name, Date(2022, 3, 31), &d).ok());
  EXPECT_EQ(d.state(), v1::Dispute::STATE_AWAITING_CONCILIATION);
  EXPECT_EQ(Iso(d.conciliation_deadline().last_day()), "2022-05-02");
  EXPECT_EQ(Utc(d.conciliation_deadline().expires_at()), "2022-05-02T22:00:00Z");
  EXPECT_EQ(d.conciliation_deadline().explanation(),
            "1 month from 2022-03-31 → 2022-04-30 (no 31 April) → Saturday → 2022-05-01 Sunday, "
            "Fête du travail → 2022-05-02 (Monday); ends at 24:00 Europe/Paris");
  {
    v1::ListDeadlinesResponse deadlines;
    ASSERT_TRUE(stub_->ListDeadlines(Ctx(TestPrincipals::kSupport).get(),
                                     v1::ListDeadlinesRequest(), &deadlines).ok());
    ASSERT_GE(deadlines.deadlines_size(), 1);
    EXPECT_EQ(deadlines.deadlines(0).kind(), v1::PendingDeadline::KIND_CONCILIATION);
    EXPECT_EQ(deadlines.deadlines(0).subject(), d.name());
  }

  // No outcome: still awaiting at the last second of 2 May, lapsed at 00:00 on 3 May.
  SetTime("2022-05-02T23:59:59+02:00");
  EXPECT_EQ(GetDispute(d.name()).state(), v1::Dispute::STATE_AWAITING_CONCILIATION);
  EXPECT_EQ(SetTime("2022-05-03T00:00:00+02:00"), 1);
  EXPECT_EQ(GetDispute(d.name()).state(), v1::Dispute::STATE_CONCILIATION_LAPSED);
  auto events = Events(name);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type(), v1::ConventionEvent::TYPE_CONCILIATION_LAPSED);
  EXPECT_EQ(Utc(events.back().time()), "2022-05-02T22:00:00Z");
  EXPECT_EQ(events.back().actor(), "workflow");

  // Step 5: termination letter on Wednesday 11 May 2022.
  SetTime("2022-05-11T09:30:00+02:00");
  ASSERT_TRUE(Terminate(d.name(), Date(2022, 5, 11), &d).ok());
  EXPECT_EQ(d.state(), v1::Dispute::STATE_TERMINATING);
  EXPECT_EQ(Iso(d.termination().effective_deadline().last_day()), "2022-05-27");
  EXPECT_EQ(Utc(d.termination().effective_deadline().expires_at()), "2022-05-27T22:00:00Z");
  EXPECT_THAT(d.termination().effective_deadline().explanation(), HasSubstr("Ascension"));
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_TERMINATING);
  EXPECT_TRUE(Get(name).referent_accounts_active());

  SetTime("2022-05-27T23:59:00+02:00");
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_TERMINATING);
  EXPECT_EQ(SetTime("2022-05-28T00:00:00+02:00"), 1);
  c = Get(name);
  EXPECT_EQ(c.state(), v1::Convention::STATE_TERMINATED);
  EXPECT_EQ(Iso(c.last_day_in_force()), "2022-05-27");
  EXPECT_FALSE(c.referent_accounts_active());
  EXPECT_EQ(GetDispute(d.name()).state(), v1::Dispute::STATE_TERMINATED);
  events = Events(name);
  EXPECT_EQ(events.back().type(), v1::ConventionEvent::TYPE_TERMINATED);
  EXPECT_EQ(Utc(events.back().time()), "2022-05-27T22:00:00Z");

  // Step 6 (convention side): nothing more happens; it does not "expire" later.
  SetTime("2022-09-15T12:00:00+02:00");
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_TERMINATED);
  EXPECT_EQ(Events(name).back().type(), v1::ConventionEvent::TYPE_TERMINATED);
  v1::ListDeadlinesResponse deadlines;
  ASSERT_TRUE(stub_->ListDeadlines(Ctx().get(), v1::ListDeadlinesRequest(), &deadlines).ok());
  EXPECT_EQ(deadlines.deadlines_size(), 0);

  // What billing is told, through the outbox: activation with both schools,
  // then termination; no expiry (billing-service delivers them, issue 4).
  v1::ListOutboxMessagesResponse outbox;
  ASSERT_TRUE(stub_->ListOutboxMessages(Ctx(TestPrincipals::kSupport).get(),
                                        v1::ListOutboxMessagesRequest(), &outbox).ok());
  ASSERT_EQ(outbox.messages_size(), 2);
  // Each is a typed ent.billing.v1.ConventionNotice (protobuf JSON).
  EXPECT_EQ(outbox.messages(0).topic(), "convention.activated");
  ent::billing::v1::ConventionNotice activated, terminated;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(outbox.messages(0).payload(), &activated).ok());
  ASSERT_EQ(activated.activated().schools_size(), 2);
  EXPECT_EQ(activated.activated().schools(0).uai(), "0300673U");
  EXPECT_EQ(activated.activated().schools(1).uai(), "0301531B");
  EXPECT_EQ(Iso(activated.effective_date()), "2021-11-03");
  EXPECT_EQ(activated.commune().siren(), "213002272");
  EXPECT_EQ(outbox.messages(1).topic(), "convention.terminated");
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(outbox.messages(1).payload(), &terminated).ok());
  EXPECT_TRUE(terminated.ended().terminated());
  EXPECT_EQ(Iso(terminated.ended().last_day_in_force()), "2022-05-27");
  EXPECT_EQ(stub_->ListOutboxMessages(Ctx(TestPrincipals::kPortal30227).get(),
                                      v1::ListOutboxMessagesRequest(), &outbox).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// A refusal's field violations as sent: field → {English, French}.
std::map<std::string, std::pair<std::string, std::string>> ViolationsOf(const grpc::Status& st) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  google::rpc::Status status;
  if (!status.ParseFromString(st.error_details())) return out;
  for (const auto& any : status.details()) {
    google::rpc::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& v : bad.field_violations()) {
      out[v.field()] = {v.description(),
                        v.localized_message().locale() == "fr-FR" ? v.localized_message().message() : ""};
    }
  }
  return out;
}

// The refusal's French text (google.rpc.LocalizedMessage fr-FR), or "".
std::string FrenchOf(const grpc::Status& st) {
  google::rpc::Status status;
  if (!status.ParseFromString(st.error_details())) return "";
  for (const auto& any : status.details()) {
    google::rpc::LocalizedMessage m;
    if (any.UnpackTo(&m) && m.locale() == "fr-FR") return m.message();
  }
  return "";
}

// Everything wrong with the request alone is named at once (texts, party,
// dates, and an acknowledgement dated before the sending: INVALID_ARGUMENT,
// whatever the state), in English and French; what depends on today is a
// FAILED_PRECONDITION with its French text.
TEST_F(WorkflowTest, DisputeRequestIsCheckedInOnePassWithFrenchTexts) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-03-31T10:00:00+02:00");
  v1::OpenDisputeRequest req;
  req.set_parent(name);
  req.set_request_id(NextId());
  *req.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 3, 31);
  *req.mutable_dispute()->mutable_notice_acknowledged_date() = Date(2022, 3, 30);
  v1::Dispute d;
  grpc::Status st = stub_->OpenDispute(Ctx().get(), req, &d);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  const auto violations = ViolationsOf(st);
  for (const char* field : {"dispute.party", "dispute.grievances", "dispute.notice_reference",
                            "dispute.notice_acknowledged_date"}) {
    ASSERT_EQ(violations.count(field), 1u) << field << " in " << st.error_message();
    EXPECT_FALSE(violations.at(field).second.empty()) << field << ": no French text";
  }
  EXPECT_EQ(violations.at("dispute.notice_acknowledged_date").first,
            "must not be before dispute.notice_sent_date (2022-03-31)");
  EXPECT_EQ(violations.at("dispute.party").second, "est obligatoire : la commune ou l'académie");

  // Depends on today: FAILED_PRECONDITION, with its French text.
  req.mutable_dispute()->set_party(v1::PARTY_ROLE_COMMUNE);
  req.mutable_dispute()->set_grievances("Comptes référent ville non activés");
  req.mutable_dispute()->set_notice_reference("LRAR 1A 234 567 8901 2");
  req.mutable_dispute()->clear_notice_acknowledged_date();
  *req.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 4, 1);
  st = stub_->OpenDispute(Ctx().get(), req, &d);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_EQ(FrenchOf(st), "La mise en demeure ne peut être envoyée après aujourd'hui (31 mars 2022).");
  v1::ListDisputesRequest list;
  list.set_parent(name);
  v1::ListDisputesResponse disputes;
  ASSERT_TRUE(stub_->ListDisputes(Ctx().get(), list, &disputes).ok());
  EXPECT_EQ(disputes.disputes_size(), 0);  // nothing changed
}

// One commune's deadlines, as a convention's page asks for them: only its
// own, and a code that is no INSEE code is named.
TEST_F(WorkflowTest, ListDeadlinesOfOneCommune) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-03-31T10:00:00+02:00");
  v1::Dispute d;
  ASSERT_TRUE(Open(name, Date(2022, 3, 31), &d).ok());
  v1::ListDeadlinesRequest req;
  req.set_commune_insee_code("30227");
  v1::ListDeadlinesResponse resp;
  ASSERT_TRUE(stub_->ListDeadlines(Ctx().get(), req, &resp).ok());
  ASSERT_FALSE(resp.deadlines().empty());
  bool conciliation = false;
  for (const auto& dl : resp.deadlines()) {
    EXPECT_EQ(dl.commune_insee_code(), "30227");
    conciliation = conciliation || dl.kind() == v1::PendingDeadline::KIND_CONCILIATION;
  }
  EXPECT_TRUE(conciliation);
  req.set_commune_insee_code("34172");  // Montpellier: none of its conventions here
  ASSERT_TRUE(stub_->ListDeadlines(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.deadlines_size(), 0);
  req.set_commune_insee_code("3O227");
  const grpc::Status st = stub_->ListDeadlines(Ctx().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationsOf(st).count("commune_insee_code"), 1u) << st.error_message();
}

TEST_F(WorkflowTest, ValidateOnlyShowsTheConsequenceAndRecordsNothing) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-03-31T10:00:00+02:00");
  const size_t events_before = Events(name).size();
  v1::OpenDisputeRequest req;
  req.set_parent(name);
  req.set_validate_only(true);  // no request_id needed
  req.mutable_dispute()->set_party(v1::PARTY_ROLE_COMMUNE);
  req.mutable_dispute()->set_grievances("Comptes référent ville non activés");
  req.mutable_dispute()->set_notice_reference("LRAR 1A 234 567 8901 2");
  *req.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 3, 31);
  v1::Dispute preview;
  grpc::Status st = stub_->OpenDispute(Ctx().get(), req, &preview);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(preview.name(), name + "/disputes/1");
  EXPECT_EQ(preview.state(), v1::Dispute::STATE_AWAITING_CONCILIATION);
  EXPECT_EQ(Iso(preview.conciliation_deadline().last_day()), "2022-05-02");
  EXPECT_THAT(preview.conciliation_deadline().explanation_fr(),
              HasSubstr("le 31 du mois suivant n'existant pas"));
  EXPECT_THAT(preview.conciliation_deadline().explanation_fr(),
              HasSubstr("Le délai expire le lundi 2 mai 2022 à 24 heures"));
  // Nothing recorded: no event, no dispute, no deadline.
  EXPECT_EQ(Events(name).size(), events_before);
  v1::ListDisputesRequest list;
  list.set_parent(name);
  v1::ListDisputesResponse disputes;
  ASSERT_TRUE(stub_->ListDisputes(Ctx().get(), list, &disputes).ok());
  EXPECT_EQ(disputes.disputes_size(), 0);
  v1::ListDeadlinesResponse deadlines;
  ASSERT_TRUE(stub_->ListDeadlines(Ctx().get(), v1::ListDeadlinesRequest(), &deadlines).ok());
  for (const auto& dl : deadlines.deadlines()) {
    EXPECT_NE(dl.kind(), v1::PendingDeadline::KIND_CONCILIATION);
  }
  // A request that would be refused is refused the same way.
  *req.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 4, 30);  // after today
  EXPECT_EQ(stub_->OpenDispute(Ctx().get(), req, &preview).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // The termination letter's consequence, previewed after the lapse.
  v1::Dispute d;
  ASSERT_TRUE(Open(name, Date(2022, 3, 31), &d).ok());
  SetTime("2022-05-11T09:30:00+02:00");
  v1::SendTerminationNoticeRequest term;
  term.set_name(d.name());
  term.set_validate_only(true);
  term.mutable_termination()->set_party(v1::PARTY_ROLE_COMMUNE);
  term.mutable_termination()->set_reasons("Engagements réciproques non respectés");
  term.mutable_termination()->set_letter_reference("LRAR 1A 234 567 8902 9");
  *term.mutable_termination()->mutable_sent_date() = Date(2022, 5, 11);
  st = stub_->SendTerminationNotice(Ctx().get(), term, &preview);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(preview.state(), v1::Dispute::STATE_TERMINATING);
  EXPECT_EQ(Iso(preview.termination().effective_deadline().last_day()), "2022-05-27");
  EXPECT_EQ(GetDispute(d.name()).state(), v1::Dispute::STATE_CONCILIATION_LAPSED);
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_ACTIVE);
}

TEST_F(WorkflowTest, ConventionExpiresTheDayAfterItsEndDateAfterAReminder) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-07-03T00:00:00+02:00");  // 1 September − 60 days
  EXPECT_EQ(Events(name).back().type(), v1::ConventionEvent::TYPE_RENEWAL_REMINDER);
  SetTime("2022-09-01T23:59:59+02:00");
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_ACTIVE);
  SetTime("2022-09-02T00:00:00+02:00");
  v1::Convention c = Get(name);
  EXPECT_EQ(c.state(), v1::Convention::STATE_EXPIRED);
  EXPECT_FALSE(c.referent_accounts_active());
  std::vector<v1::ConventionEvent::Type> tail;
  for (const auto& e : Events(name)) tail.push_back(e.type());
  EXPECT_THAT(std::vector<v1::ConventionEvent::Type>(tail.end() - 2, tail.end()),
              ElementsAre(v1::ConventionEvent::TYPE_RENEWAL_REMINDER,
                          v1::ConventionEvent::TYPE_EXPIRED));
}

TEST_F(WorkflowTest, ResolvedConciliationClosesTheDisputeAndCancelsTheDeadline) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-03-31T10:00:00+02:00");
  v1::Dispute d;
  ASSERT_TRUE(Open(name, Date(2022, 3, 31), &d).ok());
  // Only one open dispute at a time.
  v1::Dispute second;
  EXPECT_EQ(Open(name, Date(2022, 3, 31), &second).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // Termination needs a failed conciliation.
  EXPECT_EQ(Terminate(d.name(), Date(2022, 3, 31), &second).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  SetTime("2022-04-20T10:00:00+02:00");
  v1::RecordConciliationRequest req;
  req.set_name(d.name());
  req.set_request_id(NextId());
  *req.mutable_conciliation()->mutable_meeting_date() = Date(2022, 4, 21);
  req.mutable_conciliation()->set_outcome(v1::CONCILIATION_OUTCOME_RESOLVED);
  grpc::Status st = stub_->RecordConciliation(Ctx().get(), req, &d);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);  // meeting after today
  EXPECT_THAT(st.error_message(), HasSubstr("conciliation.meeting_date: must fall between"));
  *req.mutable_conciliation()->mutable_meeting_date() = Date(2022, 4, 19);
  req.set_request_id(NextId());
  st = stub_->RecordConciliation(Ctx().get(), req, &d);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(d.state(), v1::Dispute::STATE_RESOLVED);
  EXPECT_EQ(SetTime("2022-05-10T00:00:00+02:00"), 0);  // the deadline timer was cancelled
  EXPECT_EQ(GetDispute(d.name()).state(), v1::Dispute::STATE_RESOLVED);
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_ACTIVE);
  // A new dispute may now be opened.
  EXPECT_TRUE(Open(name, Date(2022, 5, 9), &second).ok());
  EXPECT_EQ(second.name(), name + "/disputes/2");
}

TEST_F(WorkflowTest, CorrectingTheNoticeDateRecomputesTheDeadlineAndKeepsBothValues) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-04-01T10:00:00+02:00");
  v1::Dispute d;
  ASSERT_TRUE(Open(name, Date(2022, 3, 31), &d).ok());
  v1::CorrectDisputeDateRequest req;
  req.set_name(d.name());
  req.set_request_id(NextId());
  req.set_field(v1::DISPUTE_DATE_FIELD_NOTICE_SENT);
  *req.mutable_date() = Date(2022, 3, 15);
  req.set_reason("date du cachet de la poste");
  ASSERT_TRUE(stub_->CorrectDisputeDate(Ctx().get(), req, &d).ok());
  EXPECT_EQ(Iso(d.notice_sent_date()), "2022-03-15");
  EXPECT_EQ(Iso(d.conciliation_deadline().last_day()), "2022-04-15");
  const auto last = Events(name).back();
  EXPECT_EQ(last.type(), v1::ConventionEvent::TYPE_DISPUTE_DATE_CORRECTED);
  ASSERT_EQ(last.changes_size(), 2);
  EXPECT_EQ(last.changes(0).old_value(), "2022-03-31");
  EXPECT_EQ(last.changes(0).new_value(), "2022-03-15");
  EXPECT_EQ(last.changes(1).old_value(), "2022-05-02");
  EXPECT_EQ(last.changes(1).new_value(), "2022-04-15");
  // The old deadline no longer applies; the new one does.
  EXPECT_EQ(SetTime("2022-04-16T00:00:00+02:00"), 1);
  EXPECT_EQ(GetDispute(d.name()).state(), v1::Dispute::STATE_CONCILIATION_LAPSED);
  EXPECT_EQ(SetTime("2022-05-04T00:00:00+02:00"), 0);
}

TEST_F(WorkflowTest, WithdrawalBeforeTerminationKeepsTheConventionInForce) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-03-31T10:00:00+02:00");
  v1::Dispute d;
  ASSERT_TRUE(Open(name, Date(2022, 3, 31), &d).ok());
  SetTime("2022-05-11T10:00:00+02:00");
  // The aggrieved party is the commune; the académie cannot terminate on its behalf.
  EXPECT_EQ(Terminate(d.name(), Date(2022, 5, 11), &d, v1::PARTY_ROLE_ACADEMIE).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // not the party that sent the notice
  ASSERT_TRUE(Terminate(d.name(), Date(2022, 5, 11), &d).ok());
  SetTime("2022-05-20T10:00:00+02:00");
  v1::WithdrawDisputeRequest req;
  req.set_name(d.name());
  req.set_request_id(NextId());
  req.set_reason("accord trouvé");
  ASSERT_TRUE(stub_->WithdrawDispute(Ctx(TestPrincipals::kPortal30227).get(), req, &d).ok());
  EXPECT_EQ(d.state(), v1::Dispute::STATE_WITHDRAWN);
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_ACTIVE);
  EXPECT_EQ(SetTime("2022-06-01T00:00:00+02:00"), 0);
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_ACTIVE);
}

TEST_F(WorkflowTest, WithdrawalAfterTheEndDateLetsTheConventionExpire) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-07-01T10:00:00+02:00");
  v1::Dispute d;
  ASSERT_TRUE(Open(name, Date(2022, 7, 1), &d).ok());
  SetTime("2022-08-25T10:00:00+02:00");  // the conciliation lapsed on 2 August
  ASSERT_TRUE(Terminate(d.name(), Date(2022, 8, 25), &d).ok());
  SetTime("2022-09-05T10:00:00+02:00");  // past the end date, termination not yet effective
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_TERMINATING);
  v1::WithdrawDisputeRequest req;
  req.set_name(d.name());
  req.set_request_id(NextId());
  ASSERT_TRUE(stub_->WithdrawDispute(Ctx().get(), req, &d).ok());
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_EXPIRED);
  EXPECT_EQ(Events(name).back().type(), v1::ConventionEvent::TYPE_EXPIRED);
  EXPECT_EQ(SetTime("2022-09-30T00:00:00+02:00"), 0);  // the termination timer was cancelled
}

TEST_F(WorkflowTest, DisputesNeedAConventionInForceAndTheRightCaller) {
  v1::Convention draft;
  ASSERT_TRUE(stub_->CreateConvention(Ctx().get(), demo::SaintAmbroixCreate(), &draft).ok());
  v1::Dispute d;
  EXPECT_EQ(Open(draft.name(), Date(2021, 10, 1), &d).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Open(draft.name(), Date(2021, 10, 1), &d, v1::PARTY_ROLE_COMMUNE,
                 TestPrincipals::kFinance).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Open(draft.name(), Date(2021, 10, 1), &d, v1::PARTY_ROLE_ACADEMIE,
                 TestPrincipals::kPortal30227).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Open(draft.name(), Date(2021, 10, 1), &d, v1::PARTY_ROLE_COMMUNE,
                 TestPrincipals::kPortal34172).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetDisputeRequest get;
  get.set_name(draft.name() + "/disputes/9");
  EXPECT_EQ(stub_->GetDispute(Ctx().get(), get, &d).error_code(), grpc::StatusCode::NOT_FOUND);
  get.set_name("conventions/x/disputes/zero");
  EXPECT_EQ(stub_->GetDispute(Ctx().get(), get, &d).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WorkflowTest, ListDisputesFiltersByStateAndDeadline) {
  const std::string name = SaintAmbroixActive();
  SetTime("2022-03-31T10:00:00+02:00");
  v1::Dispute d;
  ASSERT_TRUE(Open(name, Date(2022, 3, 31), &d).ok());
  auto list = [&](v1::Dispute::State state, google::type::Date before) {
    v1::ListDisputesRequest req;
    req.set_parent("conventions/-");
    req.set_state(state);
    *req.mutable_deadline_before() = before;
    v1::ListDisputesResponse out;
    EXPECT_TRUE(stub_->ListDisputes(Ctx(TestPrincipals::kSupport).get(), req, &out).ok());
    return out.disputes_size();
  };
  EXPECT_EQ(list(v1::Dispute::STATE_AWAITING_CONCILIATION, Date(2022, 5, 3)), 1);
  EXPECT_EQ(list(v1::Dispute::STATE_AWAITING_CONCILIATION, Date(2022, 5, 2)), 0);
  EXPECT_EQ(list(v1::Dispute::STATE_RESOLVED, google::type::Date()), 0);
}

// 120 conventions expire in bounded batches of 2 and the process is killed
// with SIGKILL as soon as the first expiry is seen, which the database proves
// (some expiry timers fired, not all); after a restart on a later clock the
// overdue timers fire at start-up, and each convention expired exactly once.
// A slow disk (every fsync 3 ms, ENT_SQLITE_SYNC_DELAY_US) keeps the 60
// commits of the firing longer than the test takes to react, even on a
// loaded machine.
TEST_F(WorkflowTest, EveryDueTimerFiresExactlyOnceAcrossAKill) {
  service_->Stop();
  setenv("ENT_SQLITE_SYNC_DELAY_US", "3000", 1);
  Start("2022-06-01T10:00:00+02:00", {"--timer-batch=2"});
  unsetenv("ENT_SQLITE_SYNC_DELAY_US");
  constexpr int kConventions = 120;
  ActivateMany("k", kConventions);
  // Watch the history, move past the end date in the background, and kill the
  // process at the first expiry.
  auto watch_ctx = Ctx();
  auto watch = stub_->WatchConventionEvents(watch_ctx.get(), v1::WatchConventionEventsRequest());
  std::thread advance([this] {
    tv1::SetTimeRequest req;
    req.mutable_time()->set_seconds(absl::ToUnixSeconds(absl::FromCivil(
        absl::CivilSecond(2022, 9, 3, 0, 0, 0), absl::UTCTimeZone())));
    tv1::GetTimeResponse resp;
    clock_->SetTime(Ctx().get(), req, &resp);  // fails when the process dies
  });
  v1::ConventionEvent event;
  while (watch->Read(&event) && event.type() != v1::ConventionEvent::TYPE_EXPIRED) {
  }
  ASSERT_EQ(event.type(), v1::ConventionEvent::TYPE_EXPIRED);
  service_->Kill();
  advance.join();
  watch_ctx->TryCancel();
  watch->Finish();
  const auto fired_at_kill = testing::StoreQueryInt(
      *service_, dir_.path() + "/convention.db", "convention",
      "SELECT COUNT(*) FROM workflow_timers WHERE kind = 'convention.expiry' AND state = 1");
  ASSERT_TRUE(fired_at_kill.ok()) << fired_at_kill.status();
  EXPECT_GT(*fired_at_kill, 0);
  EXPECT_LT(*fired_at_kill, kConventions) << "the kill landed after the work";

  Start("2022-09-10T12:00:00+02:00");  // every expiry is now overdue
  std::map<std::string, int> expired;
  for (int attempt = 0; attempt < 500; ++attempt) {
    expired.clear();
    v1::WatchConventionEventsRequest req;
    auto ctx = Ctx();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
    auto reader = stub_->WatchConventionEvents(ctx.get(), req);
    v1::ConventionEvent e;
    while (reader->Read(&e)) {
      if (e.type() == v1::ConventionEvent::TYPE_EXPIRED) expired[e.convention()]++;
    }
    reader->Finish();
    if (static_cast<int>(expired.size()) == kConventions) break;
  }
  ASSERT_EQ(static_cast<int>(expired.size()), kConventions);
  for (const auto& [convention, count] : expired) EXPECT_EQ(count, 1) << convention;
}

// A timer whose effect fails — its convention's record no longer decodes, or
// its kind is unknown after a rename — is retried on its own and then parked;
// the healthy timers of the same batch fire at once. An operator lists the
// parked ones with their error and retries one after the repair.
TEST_F(WorkflowTest, FailingTimersDoNotBlockOthersAndAreParkedForOperators) {
  service_->Stop();
  Start("2022-06-01T10:00:00+02:00", {"--timer-batch=50"});
  constexpr int kConventions = 6;
  ActivateMany("p", kConventions);
  service_->Stop();
  // Poison: p0's stored record no longer decodes, and a timer of an unknown
  // kind falls due first of all.
  // (The same SQL on SQLite and PostgreSQL; the good record is kept aside.)
  const std::string db = dir_.path() + "/convention.db";
  auto execute = [&](const std::string& sql) {
    return testing::StoreExecute(*service_, db, "convention", sql);
  };
  ASSERT_TRUE(execute("CREATE TABLE test_saved_body AS SELECT body FROM conventions WHERE id = 'p0'").ok());
  ASSERT_TRUE(execute("UPDATE conventions SET body = '{\"id\": 7' WHERE id = 'p0'").ok());
  ASSERT_TRUE(execute("INSERT INTO workflow_timers (kind, subject, commune, due_us, "
                                   "last_day, rule, explanation, next_us) VALUES ('convention.renamed', "
                                   "'conventions/p1', '30002', 0, '2022-01-01', '', '', 0)").ok());

  // After the end date: every expiry is overdue and fires at start-up. Moving
  // the clock to where it is returns once everything due has been fired (the
  // engine's start-up batch runs on its own thread, perhaps not yet).
  Start("2022-09-10T12:00:00+02:00");
  SetTime("2022-09-10T12:00:00+02:00");
  for (int i = 1; i < kConventions; ++i) {
    EXPECT_EQ(Get("conventions/p" + std::to_string(i)).state(), v1::Convention::STATE_EXPIRED) << i;
  }
  // The failing ones are retried on their own backoff as time passes, then parked.
  SetTime("2022-09-10T14:00:00+02:00");
  v1::ListTimersResponse failed;
  ASSERT_TRUE(stub_->ListTimers(Ctx(TestPrincipals::kSupport).get(), v1::ListTimersRequest(), &failed).ok());
  // p0's renewal reminder and expiry, and the unknown kind.
  ASSERT_EQ(failed.timers_size(), 3);
  std::map<std::string, v1::Timer> by_kind;
  for (const auto& t : failed.timers()) {
    EXPECT_EQ(t.state(), v1::Timer::STATE_FAILED);
    EXPECT_EQ(t.attempts(), 10);
    by_kind[t.kind()] = t;
  }
  EXPECT_THAT(by_kind["convention.renamed"].last_error(), HasSubstr("unknown timer kind"));
  EXPECT_EQ(by_kind["convention.expiry"].subject(), "conventions/p0");
  EXPECT_THAT(by_kind["convention.expiry"].last_error(), HasSubstr("corrupt convention record"));
  EXPECT_EQ(by_kind["convention.renewal_reminder"].subject(), "conventions/p0");
  // Portals and finance do not operate the workflow.
  EXPECT_EQ(stub_->ListTimers(Ctx(TestPrincipals::kFinance).get(), v1::ListTimersRequest(), &failed)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The record is repaired; the operator retries its timer: it fires.
  service_->Stop();
  ASSERT_TRUE(execute("UPDATE conventions SET body = (SELECT body FROM test_saved_body) WHERE id = 'p0'").ok());
  Start("2022-09-10T14:00:00+02:00");
  v1::RetryTimerRequest retry;
  retry.set_name(by_kind["convention.expiry"].name());
  retry.set_request_id(NextId());
  v1::Timer retried;
  grpc::Status st = stub_->RetryTimer(Ctx(TestPrincipals::kSupport).get(), retry, &retried);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(retried.state(), v1::Timer::STATE_PENDING);
  SetTime("2022-09-10T14:00:01+02:00");
  EXPECT_EQ(Get("conventions/p0").state(), v1::Convention::STATE_EXPIRED);
  // A fired timer is not retried.
  retry.set_request_id(NextId());
  EXPECT_EQ(stub_->RetryTimer(Ctx(TestPrincipals::kSupport).get(), retry, &retried).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(stub_->ListTimers(Ctx(TestPrincipals::kSupport).get(), v1::ListTimersRequest(), &failed).ok());
  EXPECT_EQ(failed.timers_size(), 2);  // the reminder and the unknown kind stay parked
}

// Retention: stored answers of requests, fired timers and delivered notices
// older than --retention-days go; conventions and their history stay.
TEST_F(WorkflowTest, RetentionPrunesStoredAnswersAndFiredTimersButNeverHistory) {
  service_->Stop();
  Start("2021-10-12T09:00:00+02:00", {"--retention-days=1", "--prune-interval-seconds=1"});
  const std::string name = SaintAmbroixActive();
  const std::string db = dir_.path() + "/convention.db";
  const int64_t events = static_cast<int64_t>(Events(name).size());
  auto query = [&](const std::string& sql) {
    return testing::StoreQueryInt(*service_, db, "convention", sql);
  };
  ASSERT_GT(*query("SELECT COUNT(*) FROM request_log"), 0);
  // Past the end date (the reminder and the expiry fire), then two days more.
  // (The pruner may already be at work: what fired is checked in the history.)
  SetTime("2022-09-02T10:00:00+02:00");
  SetTime("2022-09-05T10:00:00+02:00");
  int64_t left = -1;
  for (int i = 0; i < 300 && left != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    left = *query("SELECT (SELECT COUNT(*) FROM request_log) + (SELECT COUNT(*) "
                  "FROM workflow_timers WHERE state IN (1, 2))");
  }
  EXPECT_EQ(left, 0);
  EXPECT_EQ(Get(name).state(), v1::Convention::STATE_EXPIRED);
  EXPECT_EQ(static_cast<int64_t>(Events(name).size()), events + 2);  // + reminder, expiry
}

TEST_F(WorkflowTest, ClockServiceExistsOnlyOnASimulatedClock) {
  tv1::GetTimeResponse now;
  ASSERT_TRUE(clock_->GetTime(Ctx().get(), tv1::GetTimeRequest(), &now).ok());
  EXPECT_EQ(now.now().seconds(), absl::ToUnixSeconds(absl::FromCivil(
                                     absl::CivilSecond(2021, 10, 12, 7, 0, 0), absl::UTCTimeZone())));
  tv1::SetTimeRequest back;
  back.mutable_time()->set_seconds(now.now().seconds() - 1);
  EXPECT_EQ(clock_->SetTime(Ctx().get(), back, &now).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // time never goes backwards
  EXPECT_EQ(clock_->GetTime(Ctx("").get(), tv1::GetTimeRequest(), &now).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  testing::TempDir real_dir;
  testing::ServiceProcess real(testing::BinaryPath("convention-service/ent-convention-service"),
                               real_dir.path(), {"--principals=" + principals_.path()});
  ASSERT_TRUE(real.Start().ok());
  auto real_clock = tv1::ClockService::NewStub(real.Channel());
  EXPECT_EQ(real_clock->GetTime(Ctx().get(), tv1::GetTimeRequest(), &now).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace ent::convention
