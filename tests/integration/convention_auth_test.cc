// Authentication, authorisation and transport security of the real
// ent-convention-service (DESIGN §3.6).
#include <signal.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "demo/saint_ambroix.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "tests/support/proto_dates.h"
#include "tests/support/communes.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent::convention {
namespace {

namespace v1 = ::ent::convention::v1;
using testing::Date;
using testing::Iso;
using testing::Utc;
using testing::TestPrincipals;
using ::testing::HasSubstr;

constexpr char kOwn[] = "30227";    // the portal's commune
constexpr char kOther[] = "11069";  // nobody's portal

std::string NextId() {
  static std::atomic<int> n{0};
  return "auth-" + std::to_string(++n);
}

v1::CreateConventionRequest Draft(const std::string& insee) {
  v1::CreateConventionRequest req = demo::SaintAmbroixCreate();
  req.set_convention_id("c" + insee + "-" + NextId());
  req.set_request_id(NextId());
  testing::SetCommune(req.mutable_convention(), insee);
  return req;
}

v1::SignConventionRequest Signature(const std::string& name, v1::PartyRole party) {
  v1::SignConventionRequest req =
      party == v1::PARTY_ROLE_ACADEMIE ? demo::SaintAmbroixAcademieSignature()
                                       : demo::SaintAmbroixCommuneSignature();
  req.set_name(name);
  req.set_request_id(NextId());
  return req;
}

class ConventionAuthTest : public ::testing::Test {
 protected:
  void SetUp() override { StartService({}); }

  void StartService(std::vector<std::string> extra) {
    extra.push_back("--principals=" + principals_.path());
    // A simulated late-August 2022: the 2021-2022 conventions are in force.
    extra.push_back("--clock=simulated:2022-08-26T10:00:00+02:00");
    service_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), dir_.path(), extra);
    ASSERT_TRUE(service_->Start().ok());
    stub_ = v1::ConventionService::NewStub(service_->Channel());
  }

  // A fresh draft of `insee` created by the rectorat; with `parties` = 1 the
  // académie has signed it (SIGNING), with 2 both have (ACTIVE).
  std::string Prepare(const std::string& insee, int parties) {
    v1::Convention c;
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    EXPECT_TRUE(stub_->CreateConvention(&ctx, Draft(insee), &c).ok());
    if (parties > 0) {
      for (auto party : {v1::PARTY_ROLE_ACADEMIE, v1::PARTY_ROLE_COMMUNE}) {
        if (party == v1::PARTY_ROLE_COMMUNE && parties < 2) break;
        grpc::ClientContext sign_ctx;
        principals_.Authorize(sign_ctx, TestPrincipals::kRectorat);
        EXPECT_TRUE(stub_->SignConvention(&sign_ctx, Signature(c.name(), party), &c).ok());
      }
    }
    return c.name();
  }

  grpc::Status GetAs(const std::string& principal, const std::string& name) {
    grpc::ClientContext ctx;
    if (!principal.empty()) principals_.Authorize(ctx, principal);
    v1::GetConventionRequest req;
    req.set_name(name);
    v1::Convention out;
    return stub_->GetConvention(&ctx, req, &out);
  }

  testing::TempDir dir_;
  TestPrincipals principals_{dir_.path()};
  std::unique_ptr<testing::ServiceProcess> service_;
  std::unique_ptr<v1::ConventionService::Stub> stub_;
};

// One RPC of the table: how to call it on a prepared convention.
struct RpcCase {
  const char* rpc;
  bool needs_signed;  // the call needs a convention the académie has signed
  bool others_may;    // support, finance and internal may (reads)
  bool portal_may;    // a portal may, for its own commune
  std::function<grpc::Status(v1::ConventionService::Stub&, grpc::ClientContext&,
                             const std::string& name, const std::string& insee)>
      call;
};

std::vector<RpcCase> Cases() {
  using Stub = v1::ConventionService::Stub;
  using Ctx = grpc::ClientContext;
  using S = const std::string&;
  return {
      {"CreateConvention", false, false, false,
       [](Stub& s, Ctx& c, S, S insee) {
         v1::Convention out;
         return s.CreateConvention(&c, Draft(insee), &out);
       }},
      {"GetConvention", false, true, true,
       [](Stub& s, Ctx& c, S name, S) {
         v1::GetConventionRequest r;
         r.set_name(name);
         v1::Convention out;
         return s.GetConvention(&c, r, &out);
       }},
      {"ListConventions", false, true, true,
       [](Stub& s, Ctx& c, S, S insee) {
         v1::ListConventionsRequest r;
         r.set_commune_insee_code(insee);
         v1::ListConventionsResponse out;
         return s.ListConventions(&c, r, &out);
       }},
      {"UpdateConvention", false, false, false,
       [](Stub& s, Ctx& c, S name, S) {
         v1::UpdateConventionRequest r;
         r.set_request_id(NextId());
         r.mutable_convention()->set_name(name);
         *r.mutable_convention()->mutable_end_date() = Date(2022, 8, 31);
         r.mutable_update_mask()->add_paths("end_date");
         v1::Convention out;
         return s.UpdateConvention(&c, r, &out);
       }},
      {"CancelConvention", false, false, false,
       [](Stub& s, Ctx& c, S name, S) {
         v1::CancelConventionRequest r;
         r.set_name(name);
         r.set_request_id(NextId());
         v1::Convention out;
         return s.CancelConvention(&c, r, &out);
       }},
      {"SignConvention(académie)", false, false, false,
       [](Stub& s, Ctx& c, S name, S) {
         v1::Convention out;
         return s.SignConvention(&c, Signature(name, v1::PARTY_ROLE_ACADEMIE), &out);
       }},
      {"SignConvention(commune)", false, false, true,
       [](Stub& s, Ctx& c, S name, S) {
         v1::Convention out;
         return s.SignConvention(&c, Signature(name, v1::PARTY_ROLE_COMMUNE), &out);
       }},
      {"RecordDeliberation", false, false, true,
       [](Stub& s, Ctx& c, S name, S) {
         v1::RecordDeliberationRequest r = demo::SaintAmbroixDeliberation();
         r.set_name(name);
         r.set_request_id(NextId());
         v1::Convention out;
         return s.RecordDeliberation(&c, r, &out);
       }},
      {"AddSchool", false, false, false,
       [](Stub& s, Ctx& c, S name, S) {
         v1::AddSchoolRequest r;
         r.set_convention(name);
         r.set_request_id(NextId());
         r.mutable_school()->set_uai("0300002P");
         r.mutable_school()->set_name("ECOLE");
         r.mutable_school()->set_type(v1::SCHOOL_TYPE_PRIMAIRE);
         v1::Convention out;
         return s.AddSchool(&c, r, &out);
       }},
      {"RemoveSchool", false, false, false,
       [](Stub& s, Ctx& c, S name, S) {
         v1::RemoveSchoolRequest r;
         r.set_convention(name);
         r.set_request_id(NextId());
         r.set_uai("0300673U");
         v1::Convention out;
         return s.RemoveSchool(&c, r, &out);
       }},
      {"RenewConvention", true, false, false,
       [](Stub& s, Ctx& c, S name, S) {
         v1::RenewConventionRequest r;
         r.set_name(name);
         r.set_request_id(NextId());
         r.set_convention_id("r" + NextId());
         v1::Convention out;
         return s.RenewConvention(&c, r, &out);
       }},
      {"ListConventionEvents", false, true, true,
       [](Stub& s, Ctx& c, S name, S) {
         v1::ListConventionEventsRequest r;
         r.set_parent(name);
         v1::ListConventionEventsResponse out;
         return s.ListConventionEvents(&c, r, &out);
       }},
      {"WatchConventionEvents", false, true, true,
       [](Stub& s, Ctx& c, S name, S) {
         v1::WatchConventionEventsRequest r;
         r.set_convention(name);
         auto reader = s.WatchConventionEvents(&c, r);
         v1::ConventionEvent event;
         if (reader->Read(&event)) {
           c.TryCancel();
           reader->Finish();
           return grpc::Status::OK;
         }
         return reader->Finish();
       }},
  };
}

TEST_F(ConventionAuthTest, EveryRpcForEveryRoleOnOwnAndOtherCommune) {
  const std::string principals[] = {TestPrincipals::kRectorat, TestPrincipals::kSupport,
                                    TestPrincipals::kFinance, TestPrincipals::kInternal,
                                    TestPrincipals::kPortal30227};
  int checked = 0;
  for (const RpcCase& rpc : Cases()) {
    for (const std::string& principal : principals) {
      for (const char* insee : {kOwn, kOther}) {
        const bool portal = principal == TestPrincipals::kPortal30227;
        bool allowed;
        if (principal == TestPrincipals::kRectorat) {
          allowed = true;
        } else if (portal) {
          allowed = rpc.portal_may && std::string(insee) == kOwn;
        } else {
          allowed = rpc.others_may;
        }
        const std::string name = Prepare(insee, rpc.needs_signed ? 1 : 0);
        grpc::ClientContext ctx;
        principals_.Authorize(ctx, principal);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        const grpc::Status status = rpc.call(*stub_, ctx, name, insee);
        const grpc::StatusCode expected =
            allowed ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED;
        EXPECT_EQ(status.error_code(), expected)
            << rpc.rpc << " as " << principal << " on commune " << insee << ": "
            << status.error_message();
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 13 * 5 * 2);
}

// The dispute RPCs (Article 8) × the party that sent the dispute × role:
// rectorat and support staff drive every dispute; commune portals read their
// own commune's, and act only on disputes their commune sent, as the commune
// party; finance and internal services only read.
TEST_F(ConventionAuthTest, EveryDisputeRpcForEveryRoleOnOwnAndOtherCommune) {
  const std::map<std::string, std::string> active = {{kOwn, Prepare(kOwn, 2)},
                                                     {kOther, Prepare(kOther, 2)}};
  auto as = [&](const std::string& principal) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    principals_.Authorize(*ctx, principal);
    return ctx;
  };
  auto open = [&](const std::string& convention, const std::string& principal, v1::Dispute* out,
                  v1::PartyRole sender = v1::PARTY_ROLE_COMMUNE) {
    v1::OpenDisputeRequest r;
    r.set_parent(convention);
    r.set_request_id(NextId());
    r.mutable_dispute()->set_party(sender);
    r.mutable_dispute()->set_grievances("griefs");
    r.mutable_dispute()->set_notice_reference("LRAR 1");
    *r.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 8, 1);
    return stub_->OpenDispute(as(principal).get(), r, out);
  };
  auto conciliate = [&](const std::string& dispute, const std::string& principal) {
    v1::RecordConciliationRequest r;
    r.set_name(dispute);
    r.set_request_id(NextId());
    *r.mutable_conciliation()->mutable_meeting_date() = Date(2022, 8, 10);
    r.mutable_conciliation()->set_outcome(v1::CONCILIATION_OUTCOME_FAILED);
    v1::Dispute out;
    return stub_->RecordConciliation(as(principal).get(), r, &out);
  };
  auto withdraw = [&](const std::string& dispute, const std::string& principal) {
    v1::WithdrawDisputeRequest r;
    r.set_name(dispute);
    r.set_request_id(NextId());
    v1::Dispute out;
    return stub_->WithdrawDispute(as(principal).get(), r, &out);
  };
  struct Row {
    const char* rpc;
    bool read_only;         // finance and internal may too
    bool needs_failed;      // the dispute must have failed its conciliation first
    std::function<grpc::Status(const std::string& dispute, const std::string& convention,
                               const std::string& principal)> call;
  };
  const std::vector<Row> rows = {
      {"OpenDispute", false, false,
       [&](const std::string& dispute, const std::string& convention, const std::string& who) {
         // The prepared dispute is withdrawn first so that a new one may open.
         withdraw(dispute, TestPrincipals::kRectorat);
         v1::Dispute out;
         return open(convention, who, &out);
       }},
      {"GetDispute", true, false,
       [&](const std::string& dispute, const std::string&, const std::string& who) {
         v1::GetDisputeRequest r;
         r.set_name(dispute);
         v1::Dispute out;
         return stub_->GetDispute(as(who).get(), r, &out);
       }},
      {"ListDisputes", true, false,
       [&](const std::string&, const std::string& convention, const std::string& who) {
         v1::ListDisputesRequest r;
         r.set_parent(convention);
         v1::ListDisputesResponse out;
         return stub_->ListDisputes(as(who).get(), r, &out);
       }},
      {"RecordConciliation", false, false,
       [&](const std::string& dispute, const std::string&, const std::string& who) {
         return conciliate(dispute, who);
       }},
      {"CorrectDisputeDate", false, false,
       [&](const std::string& dispute, const std::string&, const std::string& who) {
         v1::CorrectDisputeDateRequest r;
         r.set_name(dispute);
         r.set_request_id(NextId());
         r.set_field(v1::DISPUTE_DATE_FIELD_NOTICE_SENT);
         *r.mutable_date() = Date(2022, 8, 2);
         v1::Dispute out;
         return stub_->CorrectDisputeDate(as(who).get(), r, &out);
       }},
      {"SendTerminationNotice", false, true,
       [&](const std::string& dispute, const std::string&, const std::string& who) {
         // The termination letter comes from the party that sent the notice.
         v1::GetDisputeRequest get;
         get.set_name(dispute);
         v1::Dispute current;
         EXPECT_TRUE(stub_->GetDispute(as(TestPrincipals::kRectorat).get(), get, &current).ok());
         v1::SendTerminationNoticeRequest r;
         r.set_name(dispute);
         r.set_request_id(NextId());
         r.mutable_termination()->set_party(current.party());
         r.mutable_termination()->set_reasons("motifs");
         r.mutable_termination()->set_letter_reference("LRAR 2");
         *r.mutable_termination()->mutable_sent_date() = Date(2022, 8, 20);
         v1::Dispute out;
         return stub_->SendTerminationNotice(as(who).get(), r, &out);
       }},
      {"WithdrawDispute", false, false,
       [&](const std::string& dispute, const std::string&, const std::string& who) {
         return withdraw(dispute, who);
       }},
  };
  const std::string principals[] = {TestPrincipals::kRectorat, TestPrincipals::kSupport,
                                    TestPrincipals::kFinance, TestPrincipals::kInternal,
                                    TestPrincipals::kPortal30227};
  int checked = 0;
  for (const Row& row : rows) {
    for (const std::string& principal : principals) {
      for (const char* insee : {kOwn, kOther}) {
       for (const auto sender : {v1::PARTY_ROLE_COMMUNE, v1::PARTY_ROLE_ACADEMIE}) {
        const std::string& convention = active.at(insee);
        v1::Dispute prepared;
        const grpc::Status opened = open(convention, TestPrincipals::kRectorat, &prepared, sender);
        ASSERT_TRUE(opened.ok()) << row.rpc << ": " << opened.error_message();
        if (row.needs_failed) {
          ASSERT_TRUE(conciliate(prepared.name(), TestPrincipals::kRectorat).ok());
        }
        const bool portal = principal == TestPrincipals::kPortal30227;
        // OpenDispute opens a new dispute (as the commune): who sent the
        // prepared one does not matter; reads do not depend on it either.
        const bool sender_matters = !row.read_only && std::string(row.rpc) != "OpenDispute";
        const bool allowed =
            portal ? std::string(insee) == kOwn &&
                         (!sender_matters || sender == v1::PARTY_ROLE_COMMUNE)
            : (principal == TestPrincipals::kFinance || principal == TestPrincipals::kInternal)
                ? row.read_only
                : true;
        const grpc::Status status = row.call(prepared.name(), convention, principal);
        EXPECT_EQ(status.error_code(),
                  allowed ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED)
            << row.rpc << " as " << principal << " on commune " << insee << " sent by "
            << v1::PartyRole_Name(sender) << ": " << status.error_message();
        ++checked;
        // Close whatever is open for the next row (on every page).
        v1::ListDisputesRequest list;
        list.set_parent(convention);
        list.set_page_size(1000);
        v1::ListDisputesResponse open_ones;
        ASSERT_TRUE(stub_->ListDisputes(as(TestPrincipals::kRectorat).get(), list, &open_ones).ok());
        ASSERT_TRUE(open_ones.next_page_token().empty());
        for (const auto& d : open_ones.disputes()) {
          if (d.state() != v1::Dispute::STATE_WITHDRAWN && d.state() != v1::Dispute::STATE_RESOLVED &&
              d.state() != v1::Dispute::STATE_TERMINATED) {
            ASSERT_TRUE(withdraw(d.name(), TestPrincipals::kRectorat).ok());
          }
        }
       }
      }
    }
  }
  EXPECT_EQ(checked, 7 * 5 * 2 * 2);
  // Deadlines: everyone who reads may list them (the portal's own are
  // tested page by page below).
  for (const std::string& principal : principals) {
    v1::ListDeadlinesResponse out;
    EXPECT_TRUE(stub_->ListDeadlines(as(principal).get(), v1::ListDeadlinesRequest(), &out).ok())
        << principal;
    EXPECT_GE(out.deadlines_size(), 1) << principal;
  }
}

// A portal pages through its own commune's deadlines to the end, one per
// page, although other communes' deadlines fall due first; each says the
// date its delay runs from, as GetDispute does.
TEST_F(ConventionAuthTest, PortalPagesThroughItsOwnDeadlinesOnly) {
  for (const char* insee : {"34172", "11069", "66136"}) Prepare(insee, 2);
  const std::string own = Prepare(kOwn, 2);
  v1::OpenDisputeRequest open;
  open.set_parent(own);
  open.set_request_id(NextId());
  open.mutable_dispute()->set_party(v1::PARTY_ROLE_COMMUNE);
  open.mutable_dispute()->set_grievances("griefs");
  open.mutable_dispute()->set_notice_reference("LRAR 1");
  *open.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 8, 1);
  v1::Dispute dispute;
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kPortal30227);
    ASSERT_TRUE(stub_->OpenDispute(&ctx, open, &dispute).ok());
  }
  std::vector<v1::PendingDeadline> seen;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kPortal30227);
    v1::ListDeadlinesRequest req;
    req.set_page_size(1);
    req.set_page_token(token);
    v1::ListDeadlinesResponse out;
    ASSERT_TRUE(stub_->ListDeadlines(&ctx, req, &out).ok());
    for (const auto& d : out.deadlines()) seen.push_back(d);
    token = out.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  // Both expire at 2022-09-02 00:00 Paris (one month from 1 August ends on
  // 1 September, the end date): the expiry was scheduled first.
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& d : seen) EXPECT_EQ(d.commune_insee_code(), kOwn);
  EXPECT_EQ(seen[0].kind(), v1::PendingDeadline::KIND_EXPIRY);
  EXPECT_EQ(Iso(seen[0].deadline().from_date()), "2022-09-01");
  EXPECT_EQ(seen[1].kind(), v1::PendingDeadline::KIND_CONCILIATION);
  EXPECT_EQ(Iso(seen[1].deadline().from_date()), "2022-08-01");
  EXPECT_EQ(Iso(seen[1].deadline().from_date()),
            Iso(dispute.conciliation_deadline().from_date()));
}

TEST_F(ConventionAuthTest, EveryRpcRefusesCallsWithoutAValidToken) {
  const std::string name = Prepare(kOwn, 1);
  for (const RpcCase& rpc : Cases()) {
    for (const char* token : {"", "Bearer unknown"}) {
      grpc::ClientContext ctx;
      if (*token != '\0') ctx.AddMetadata("authorization", token);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      EXPECT_EQ(rpc.call(*stub_, ctx, name, kOwn).error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << rpc.rpc << " with '" << token << "'";
    }
  }
  // The dispute RPCs too (requests are otherwise valid enough to reach a rule).
  const std::string dispute = name + "/disputes/1";
  std::vector<std::pair<const char*, std::function<grpc::Status(grpc::ClientContext*)>>> calls = {
      {"OpenDispute", [&](grpc::ClientContext* c) {
         v1::OpenDisputeRequest r;
         r.set_parent(name);
         v1::Dispute out;
         return stub_->OpenDispute(c, r, &out);
       }},
      {"GetDispute", [&](grpc::ClientContext* c) {
         v1::GetDisputeRequest r;
         r.set_name(dispute);
         v1::Dispute out;
         return stub_->GetDispute(c, r, &out);
       }},
      {"ListDisputes", [&](grpc::ClientContext* c) {
         v1::ListDisputesRequest r;
         r.set_parent("conventions/-");
         v1::ListDisputesResponse out;
         return stub_->ListDisputes(c, r, &out);
       }},
      {"RecordConciliation", [&](grpc::ClientContext* c) {
         v1::RecordConciliationRequest r;
         r.set_name(dispute);
         v1::Dispute out;
         return stub_->RecordConciliation(c, r, &out);
       }},
      {"SendTerminationNotice", [&](grpc::ClientContext* c) {
         v1::SendTerminationNoticeRequest r;
         r.set_name(dispute);
         v1::Dispute out;
         return stub_->SendTerminationNotice(c, r, &out);
       }},
      {"WithdrawDispute", [&](grpc::ClientContext* c) {
         v1::WithdrawDisputeRequest r;
         r.set_name(dispute);
         v1::Dispute out;
         return stub_->WithdrawDispute(c, r, &out);
       }},
      {"CorrectDisputeDate", [&](grpc::ClientContext* c) {
         v1::CorrectDisputeDateRequest r;
         r.set_name(dispute);
         v1::Dispute out;
         return stub_->CorrectDisputeDate(c, r, &out);
       }},
      {"ListDeadlines", [&](grpc::ClientContext* c) {
         v1::ListDeadlinesResponse out;
         return stub_->ListDeadlines(c, v1::ListDeadlinesRequest(), &out);
       }},
  };
  for (const auto& [rpc, call] : calls) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer unknown");
    EXPECT_EQ(call(&ctx).error_code(), grpc::StatusCode::UNAUTHENTICATED) << rpc;
  }
}

TEST_F(ConventionAuthTest, MissingConventionLooksForbiddenToPortalsOnly) {
  EXPECT_EQ(GetAs(TestPrincipals::kPortal30227, "conventions/30227-1999").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetAs(TestPrincipals::kSupport, "conventions/30227-1999").error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ConventionAuthTest, ListsAndWatchesShowPortalsOnlyTheirCommunes) {
  Prepare(kOwn, 0);
  Prepare(kOther, 0);
  Prepare(kOwn, 2);
  auto list_as = [&](const std::string& principal) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, principal);
    v1::ListConventionsResponse out;
    EXPECT_TRUE(stub_->ListConventions(&ctx, v1::ListConventionsRequest(), &out).ok());
    std::set<std::string> communes;
    for (const auto& c : out.conventions()) communes.insert(c.commune().insee_code());
    return std::make_pair(out.conventions_size(), communes);
  };
  EXPECT_EQ(list_as(TestPrincipals::kPortal30227),
            std::make_pair(2, std::set<std::string>{kOwn}));
  EXPECT_EQ(list_as(TestPrincipals::kSupport),
            std::make_pair(3, std::set<std::string>{kOwn, kOther}));

  // The whole stream, as the portal: events of its commune only (2 creations + 3 for activation).
  grpc::ClientContext ctx;
  principals_.Authorize(ctx, TestPrincipals::kPortal30227);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  auto reader = stub_->WatchConventionEvents(&ctx, v1::WatchConventionEventsRequest());
  v1::ConventionEvent event;
  int events = 0;
  while (events < 5 && reader->Read(&event)) {
    EXPECT_THAT(event.convention(), HasSubstr(kOwn));
    ++events;
  }
  EXPECT_EQ(events, 5);
  // Nothing else arrives before the deadline.
  EXPECT_FALSE(reader->Read(&event));
  reader->Finish();
}

TEST_F(ConventionAuthTest, RefusesMissingMalformedUnknownAndRevokedTokens) {
  const std::string name = Prepare(kOwn, 0);
  EXPECT_EQ(GetAs("", name).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  for (const char* value : {"Basic cmVjdG9yYXQ=", "Bearer ", "Bearer not-a-known-token", "token"}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", value);
    v1::GetConventionRequest req;
    req.set_name(name);
    v1::Convention out;
    EXPECT_EQ(stub_->GetConvention(&ctx, req, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << value;
  }
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kSupport);
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    v1::GetConventionRequest req;
    req.set_name(name);
    v1::Convention out;
    EXPECT_EQ(stub_->GetConvention(&ctx, req, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // Revocation: rewrite the file without support staff and send SIGHUP.
  ASSERT_TRUE(GetAs(TestPrincipals::kSupport, name).ok());
  principals_.Write({TestPrincipals::kSupport});
  service_->Signal(SIGHUP);
  grpc::StatusCode code = grpc::StatusCode::OK;
  for (int i = 0; i < 250 && code == grpc::StatusCode::OK; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    code = GetAs(TestPrincipals::kSupport, name).error_code();
  }
  EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(GetAs(TestPrincipals::kRectorat, name).ok());
}

// A stream opened before its token was revoked ends at the reload
// (UNAUTHENTICATED); the streams of other principals go on.
TEST_F(ConventionAuthTest, WatchStreamsEndWhenTheirPrincipalIsRevoked) {
  Prepare(kOwn, 0);
  auto watch = [&](const std::string& who, grpc::ClientContext& ctx) {
    principals_.Authorize(ctx, who);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto reader = stub_->WatchConventionEvents(&ctx, v1::WatchConventionEventsRequest());
    v1::ConventionEvent first;
    EXPECT_TRUE(reader->Read(&first)) << who;  // the history so far: the stream is open
    return reader;
  };
  grpc::ClientContext support_ctx, rectorat_ctx;
  auto support = watch(TestPrincipals::kSupport, support_ctx);
  auto rectorat = watch(TestPrincipals::kRectorat, rectorat_ctx);

  principals_.Write({TestPrincipals::kSupport});
  service_->Signal(SIGHUP);
  v1::ConventionEvent event;
  while (support->Read(&event)) {
  }
  const grpc::Status ended = support->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("revoked or changed"));

  // The rectorat's stream still receives what happens next.
  const std::string next = Prepare(kOther, 0);
  bool seen = false;
  while (!seen && rectorat->Read(&event)) seen = event.convention() == next;
  EXPECT_TRUE(seen);
  rectorat_ctx.TryCancel();
}

// A stream ends after --max-stream-seconds with UNAVAILABLE: clients come
// back, authenticate again and resume.
TEST_F(ConventionAuthTest, WatchStreamsEndAfterTheirMaximumLifetime) {
  service_->Stop();
  StartService({"--max-stream-seconds=1"});
  Prepare(kOwn, 0);
  grpc::ClientContext ctx;
  principals_.Authorize(ctx, TestPrincipals::kRectorat);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto reader = stub_->WatchConventionEvents(&ctx, v1::WatchConventionEventsRequest());
  v1::ConventionEvent event;
  int events = 0;
  while (reader->Read(&event)) ++events;
  EXPECT_EQ(events, 1);
  const grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("lifetime"));
}

TEST_F(ConventionAuthTest, HistoryRecordsThePrincipalOfEveryChange) {
  const std::string name = Prepare(kOwn, 0);
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kPortal30227);
    v1::Convention out;
    ASSERT_TRUE(stub_->SignConvention(&ctx, Signature(name, v1::PARTY_ROLE_COMMUNE), &out).ok());
  }
  grpc::ClientContext ctx;
  principals_.Authorize(ctx, TestPrincipals::kSupport);
  v1::ListConventionEventsRequest req;
  req.set_parent(name);
  v1::ListConventionEventsResponse out;
  ASSERT_TRUE(stub_->ListConventionEvents(&ctx, req, &out).ok());
  ASSERT_EQ(out.events_size(), 2);
  EXPECT_EQ(out.events(0).actor(), TestPrincipals::kRectorat);
  EXPECT_EQ(out.events(1).actor(), TestPrincipals::kPortal30227);
  EXPECT_EQ(out.events(1).type(), v1::ConventionEvent::TYPE_SIGNED);
}

// Request ids belong to the principal that sends them: another principal
// reusing one neither gets the first answer nor learns the id was used.
TEST_F(ConventionAuthTest, RequestIdsAreScopedToTheirPrincipal) {
  const std::string name = Prepare(kOwn, 0);
  v1::RecordDeliberationRequest req = demo::SaintAmbroixDeliberation();
  req.set_name(name);
  req.set_request_id(NextId());
  v1::Convention first;
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    ASSERT_TRUE(stub_->RecordDeliberation(&ctx, req, &first).ok());
  }
  v1::Convention second;
  grpc::ClientContext ctx;
  principals_.Authorize(ctx, TestPrincipals::kPortal30227);
  const grpc::Status st = stub_->RecordDeliberation(&ctx, req, &second);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_NE(second.etag(), first.etag()) << "the portal got the rectorat's stored answer";
  grpc::ClientContext events_ctx;
  principals_.Authorize(events_ctx, TestPrincipals::kRectorat);
  v1::ListConventionEventsRequest events;
  events.set_parent(name);
  v1::ListConventionEventsResponse history;
  ASSERT_TRUE(stub_->ListConventionEvents(&events_ctx, events, &history).ok());
  ASSERT_EQ(history.events_size(), 3);
  EXPECT_EQ(history.events(2).actor(), TestPrincipals::kPortal30227);
}

// Authorisation comes before the request log: a portal reusing its own id on
// another commune's convention is refused as such, not told the id was used;
// and a replay is authorised again like a first attempt.
TEST_F(ConventionAuthTest, AuthorisationComesBeforeTheRequestLog) {
  const std::string own = Prepare(kOwn, 0);
  const std::string other = Prepare(kOther, 0);
  v1::RecordDeliberationRequest req = demo::SaintAmbroixDeliberation();
  req.set_name(own);
  req.set_request_id(NextId());
  v1::Convention out;
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kPortal30227);
    ASSERT_TRUE(stub_->RecordDeliberation(&ctx, req, &out).ok());
  }
  const std::string first_etag = out.etag();
  req.set_name(other);
  {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kPortal30227);
    const grpc::Status st = stub_->RecordDeliberation(&ctx, req, &out);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  }
  // The first request, retried, is authorised again and gets its first answer.
  req.set_name(own);
  v1::Convention replay;
  grpc::ClientContext ctx;
  principals_.Authorize(ctx, TestPrincipals::kPortal30227);
  ASSERT_TRUE(stub_->RecordDeliberation(&ctx, req, &replay).ok());
  EXPECT_EQ(replay.etag(), first_etag);
}

// A portal corrects only the dates of its commune's own acts (its notice, its
// termination letter, the meeting it attended), not the académie's
// acknowledgement of receipt of the commune's notice.
TEST_F(ConventionAuthTest, PortalNeverCorrectsTheDatesOfTheOtherPartysActs) {
  const std::string convention = Prepare(kOwn, 2);
  auto call = [&](const std::string& who, auto method, const auto& req, v1::Dispute* out) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, who);
    return ((*stub_).*method)(&ctx, req, out);
  };
  v1::OpenDisputeRequest open;
  open.set_parent(convention);
  open.set_request_id(NextId());
  open.mutable_dispute()->set_party(v1::PARTY_ROLE_COMMUNE);
  open.mutable_dispute()->set_grievances("griefs");
  open.mutable_dispute()->set_notice_reference("LRAR 1");
  *open.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 8, 1);
  v1::Dispute d;
  ASSERT_TRUE(call(TestPrincipals::kPortal30227, &v1::ConventionService::Stub::OpenDispute, open, &d).ok());
  auto correct = [&](v1::DisputeDateField field, google::type::Date date) {
    v1::CorrectDisputeDateRequest r;
    r.set_name(d.name());
    r.set_request_id(NextId());
    r.set_field(field);
    *r.mutable_date() = date;
    v1::Dispute out;
    return call(TestPrincipals::kPortal30227, &v1::ConventionService::Stub::CorrectDisputeDate, r,
                &out);
  };
  grpc::Status st = correct(v1::DISPUTE_DATE_FIELD_NOTICE_SENT, Date(2022, 8, 2));
  EXPECT_TRUE(st.ok()) << st.error_message();
  st = correct(v1::DISPUTE_DATE_FIELD_NOTICE_ACKNOWLEDGED, Date(2022, 8, 4));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("commune's own acts"));

  v1::RecordConciliationRequest conciliation;
  conciliation.set_name(d.name());
  conciliation.set_request_id(NextId());
  *conciliation.mutable_conciliation()->mutable_meeting_date() = Date(2022, 8, 10);
  conciliation.mutable_conciliation()->set_outcome(v1::CONCILIATION_OUTCOME_FAILED);
  ASSERT_TRUE(call(TestPrincipals::kPortal30227, &v1::ConventionService::Stub::RecordConciliation,
                   conciliation, &d).ok());
  st = correct(v1::DISPUTE_DATE_FIELD_CONCILIATION_MEETING, Date(2022, 8, 11));
  EXPECT_TRUE(st.ok()) << st.error_message();

  v1::SendTerminationNoticeRequest terminate;
  terminate.set_name(d.name());
  terminate.set_request_id(NextId());
  terminate.mutable_termination()->set_party(v1::PARTY_ROLE_COMMUNE);
  terminate.mutable_termination()->set_reasons("motifs");
  terminate.mutable_termination()->set_letter_reference("LRAR 2");
  *terminate.mutable_termination()->mutable_sent_date() = Date(2022, 8, 20);
  ASSERT_TRUE(call(TestPrincipals::kPortal30227,
                   &v1::ConventionService::Stub::SendTerminationNotice, terminate, &d).ok());
  st = correct(v1::DISPUTE_DATE_FIELD_TERMINATION_SENT, Date(2022, 8, 21));
  EXPECT_TRUE(st.ok()) << st.error_message();
}

TEST_F(ConventionAuthTest, OversizedRequestsAndFreeTextAreRefused) {
  v1::CreateConventionRequest req = Draft(kOwn);
  req.mutable_convention()->mutable_academie()->set_address(std::string(2 << 20, 'x'));
  grpc::ClientContext ctx;
  principals_.Authorize(ctx, TestPrincipals::kRectorat);
  v1::Convention out;
  EXPECT_EQ(stub_->CreateConvention(&ctx, req, &out).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  req = Draft(kOwn);
  req.mutable_convention()->mutable_academie()->set_address(std::string(1001, 'x'));
  grpc::ClientContext ctx2;
  principals_.Authorize(ctx2, TestPrincipals::kRectorat);
  const grpc::Status st = stub_->CreateConvention(&ctx2, req, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("convention.academie.address: must be at most 1000"));
}

// TLS and mutual TLS, with certificates from deploy/dev-certs.sh.
class ConventionTlsTest : public ConventionAuthTest {
 protected:
  void SetUp() override {
    const std::string script = std::string(ENT_SOURCE_DIR) + "/deploy/dev-certs.sh";
    ASSERT_EQ(std::system(("bash " + script + " " + certs_.path() + " >/dev/null").c_str()), 0);
  }
  std::string Read(const std::string& file) {
    std::ifstream in(certs_.path() + "/" + file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  grpc::Status GetOver(const std::shared_ptr<grpc::ChannelCredentials>& creds) {
    auto channel = grpc::CreateChannel(service_->address(), creds);
    auto stub = v1::ConventionService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    principals_.Authorize(ctx, TestPrincipals::kSupport);
    v1::ListConventionsResponse out;
    return stub->ListConventions(&ctx, v1::ListConventionsRequest(), &out);
  }
  std::shared_ptr<grpc::ChannelCredentials> Tls(bool with_client_cert) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = Read("ca.pem");
    if (with_client_cert) {
      options.pem_private_key = Read("client.key");
      options.pem_cert_chain = Read("client.pem");
    }
    return grpc::SslCredentials(options);
  }
  std::vector<std::string> TlsFlags() {
    return {"--tls-cert=" + certs_.path() + "/server.pem",
            "--tls-key=" + certs_.path() + "/server.key"};
  }
  testing::TempDir certs_;
};

TEST_F(ConventionTlsTest, TlsAcceptsTlsClientsAndRefusesPlaintext) {
  StartService(TlsFlags());
  EXPECT_TRUE(GetOver(Tls(false)).ok());
  EXPECT_EQ(GetOver(grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ConventionTlsTest, MutualTlsRefusesClientsWithoutACertificate) {
  auto flags = TlsFlags();
  flags.push_back("--tls-client-ca=" + certs_.path() + "/ca.pem");
  flags.push_back("--tls-require-client-cert");
  StartService(flags);
  EXPECT_TRUE(GetOver(Tls(true)).ok());
  EXPECT_EQ(GetOver(Tls(false)).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(GetOver(grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace ent::convention
