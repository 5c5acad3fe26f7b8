// Integration tests: the real ent-convention-service binary, on 127.0.0.1
// port 0, with a temporary SQLite database, driven over gRPC.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/field_violations.h"
#include "common/grpc/status_conversion.h"
#include "demo/saint_ambroix.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/raw_grpc.h"
#include "tests/support/proto_dates.h"
#include "tests/support/communes.h"
#include "tests/support/service_process.h"
#include "tests/support/store_peek.h"
#include "tests/support/sqlite_peek.h"
#include "tests/support/test_principals.h"

namespace ent::convention {
namespace {

namespace v1 = ::ent::convention::v1;
namespace v1testing = ::ent::testing::v1;
using testing::Date;
using testing::Iso;
using testing::Utc;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> out;
  for (const auto& [field, description] : FieldViolationsOf(FromGrpcStatus(status))) {
    out.push_back(field);
  }
  return out;
}

// The service runs on a simulated clock in late August 2022: every 2021-2022
// convention the tests sign is still in force, and no timer fires by itself.
constexpr char kClock[] = "simulated:2022-08-26T10:00:00+02:00";

class ConventionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), dir_.path(),
        std::vector<std::string>{"--principals=" + principals_.path(), std::string("--clock=") + kClock});
    ASSERT_TRUE(service_->Start().ok());
    Connect();
  }

  void Connect() { stub_ = v1::ConventionService::NewStub(service_->Channel()); }

  // A graceful stop (SIGTERM) and a new start on the same data.
  void Restart() {
    EXPECT_EQ(service_->Stop(), 0);
    ASSERT_TRUE(service_->Start().ok());
    Connect();
  }

  static std::string NextRequestId() {
    static std::atomic<int> n{0};
    return "test-" + std::to_string(++n);
  }

  // A valid draft for commune `insee` (SIREN must match nothing in particular).
  static v1::CreateConventionRequest DraftRequest(const std::string& insee,
                                                  const std::string& year = "2021-2022") {
    v1::CreateConventionRequest req = demo::SaintAmbroixCreate();
    req.clear_convention_id();
    req.set_request_id(NextRequestId());
    testing::SetCommune(req.mutable_convention(), insee);
    req.mutable_convention()->set_school_year(year);
    const int first = std::stoi(year.substr(0, 4));
    *req.mutable_convention()->mutable_end_date() = Date(first + 1, 8, 31);
    return req;
  }

  grpc::Status Create(const v1::CreateConventionRequest& req, v1::Convention* out) {
    grpc::ClientContext ctx;
    Auth(ctx);
    return stub_->CreateConvention(&ctx, req, out);
  }
  grpc::Status Get(const std::string& name, v1::Convention* out) {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::GetConventionRequest req;
    req.set_name(name);
    return stub_->GetConvention(&ctx, req, out);
  }
  grpc::Status Sign(const std::string& name, v1::PartyRole party, google::type::Date date,
                    v1::Convention* out, const std::string& etag = "") {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::SignConventionRequest req;
    req.set_name(name);
    req.set_request_id(NextRequestId());
    req.set_etag(etag);
    req.mutable_signature()->set_party(party);
    *req.mutable_signature()->mutable_date() = date;
    req.mutable_signature()->set_signatory("Signataire");
    req.mutable_signature()->set_capacity("Qualité");
    req.mutable_signature()->set_place("Montpellier");
    return stub_->SignConvention(&ctx, req, out);
  }
  v1::Convention Activate(const std::string& name, google::type::Date a, google::type::Date c) {
    v1::Convention out;
    EXPECT_TRUE(Sign(name, v1::PARTY_ROLE_ACADEMIE, a, &out).ok());
    grpc::Status st = Sign(name, v1::PARTY_ROLE_COMMUNE, c, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }
  std::vector<v1::ConventionEvent> Events(const std::string& name) {
    std::vector<v1::ConventionEvent> out;
    v1::ListConventionEventsRequest req;
    req.set_parent(name);
    req.set_page_size(2);
    do {
      grpc::ClientContext ctx;
      Auth(ctx);
      v1::ListConventionEventsResponse resp;
      grpc::Status st = stub_->ListConventionEvents(&ctx, req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      out.insert(out.end(), resp.events().begin(), resp.events().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  // Calls are made as the rectorat service unless a test says otherwise.
  void Auth(grpc::ClientContext& ctx,
            const std::string& principal = testing::TestPrincipals::kRectorat) {
    principals_.Authorize(ctx, principal);
  }

  testing::TempDir dir_;
  testing::TestPrincipals principals_{dir_.path()};
  std::unique_ptr<testing::ServiceProcess> service_;
  std::unique_ptr<v1::ConventionService::Stub> stub_;
};

// DESIGN §6, steps 1-3 (billing itself comes with billing-service).
TEST_F(ConventionServiceTest, GoldenScenarioSaintAmbroix) {
  v1::Convention c;
  ASSERT_TRUE(Create(demo::SaintAmbroixCreate(), &c).ok());
  EXPECT_EQ(c.name(), "conventions/30227-2021");
  EXPECT_EQ(c.state(), v1::Convention::STATE_DRAFT);
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->RecordDeliberation(&ctx, demo::SaintAmbroixDeliberation(), &c).ok());
  }
  // Step 1: enforceable on the later of transmission and posting.
  EXPECT_EQ(Iso(c.deliberation().enforceable_date()), "2021-10-29");
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->SignConvention(&ctx, demo::SaintAmbroixAcademieSignature(), &c).ok());
  }
  EXPECT_EQ(c.state(), v1::Convention::STATE_SIGNING);
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->SignConvention(&ctx, demo::SaintAmbroixCommuneSignature(), &c).ok());
  }
  // Step 2: active from the later signature, ends on Article 3's date.
  EXPECT_EQ(c.state(), v1::Convention::STATE_ACTIVE);
  EXPECT_EQ(Iso(c.effective_date()), "2021-11-03");
  EXPECT_EQ(Iso(c.end_date()), "2022-09-01");
  // Step 3: the two schools of annex 1, by UAI.
  ASSERT_EQ(c.schools_size(), 2);
  EXPECT_EQ(c.schools(0).uai(), "0300673U");
  EXPECT_EQ(c.schools(1).uai(), "0301531B");
  // The seed's inconsistencies surface as warnings, not errors.
  EXPECT_THAT(c.warnings(), ElementsAre(HasSubstr("outside the school year 2021-2022"),
                                        HasSubstr("states an end date of 2022-10-31")));

  std::vector<v1::ConventionEvent::Type> types;
  for (const auto& e : Events(c.name())) types.push_back(e.type());
  EXPECT_THAT(types, ElementsAre(v1::ConventionEvent::TYPE_CREATED,
                                 v1::ConventionEvent::TYPE_DELIBERATION_RECORDED,
                                 v1::ConventionEvent::TYPE_SIGNED, v1::ConventionEvent::TYPE_SIGNED,
                                 v1::ConventionEvent::TYPE_ACTIVATED));
  v1::Convention read;
  ASSERT_TRUE(Get("conventions/30227-2021", &read).ok());
  EXPECT_EQ(read.SerializeAsString(), c.SerializeAsString());
}

TEST_F(ConventionServiceTest, InvalidDraftNamesEveryBadFieldAndWritesNothing) {
  v1::CreateConventionRequest req = DraftRequest("30227");
  auto* c = req.mutable_convention();
  c->mutable_commune()->set_insee_code("3022");
  c->mutable_commune()->set_siren("213002273");
  c->set_school_year("2021-2023");
  c->mutable_schools(0)->set_uai("0300673V");
  *c->mutable_end_date() = Date(2022, 4, 31);
  v1::Convention out;
  grpc::Status st = Create(req, &out);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st),
              UnorderedElementsAre("convention.school_year", "convention.end_date"));
  // Fix the syntax; the rules then name the identifiers.
  c->set_school_year("2021-2022");
  *c->mutable_end_date() = Date(2022, 8, 31);
  st = Create(req, &out);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st),
              UnorderedElementsAre("convention.commune.insee_code", "convention.commune.siren",
                                   "convention.schools[0].uai"));
  EXPECT_THAT(st.error_message(), HasSubstr("must end with U"));

  grpc::ClientContext ctx;

  Auth(ctx);
  v1::ListConventionsResponse list;
  ASSERT_TRUE(stub_->ListConventions(&ctx, v1::ListConventionsRequest(), &list).ok());
  EXPECT_EQ(list.conventions_size(), 0);
}

TEST_F(ConventionServiceTest, RetryReturnsFirstResponseAndReusedIdIsRefused) {
  v1::CreateConventionRequest req = DraftRequest("30227");
  v1::Convention first, second;
  ASSERT_TRUE(Create(req, &first).ok());
  ASSERT_TRUE(Create(req, &second).ok());
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());

  req.mutable_convention()->set_school_year("2022-2023");
  *req.mutable_convention()->mutable_end_date() = Date(2023, 8, 31);
  grpc::Status st = Create(req, &second);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), ElementsAre("request_id"));

  req.clear_request_id();
  st = Create(req, &second);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), ElementsAre("request_id"));

  grpc::ClientContext ctx;

  Auth(ctx);
  v1::ListConventionsResponse list;
  ASSERT_TRUE(stub_->ListConventions(&ctx, v1::ListConventionsRequest(), &list).ok());
  EXPECT_EQ(list.conventions_size(), 1);
}

TEST_F(ConventionServiceTest, UpdateNeedsDraftAndFreshEtag) {
  v1::Convention c;
  ASSERT_TRUE(Create(DraftRequest("30227"), &c).ok());
  v1::UpdateConventionRequest req;
  req.set_request_id(NextRequestId());
  req.mutable_convention()->set_name(c.name());
  req.mutable_convention()->set_etag(c.etag());
  *req.mutable_convention()->mutable_end_date() = Date(2022, 9, 1);
  req.mutable_update_mask()->add_paths("end_date");
  v1::Convention updated;
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->UpdateConvention(&ctx, req, &updated).ok());
  }
  EXPECT_EQ(Iso(updated.end_date()), "2022-09-01");
  EXPECT_NE(updated.etag(), c.etag());
  // The old etag is now stale.
  req.set_request_id(NextRequestId());
  *req.mutable_convention()->mutable_end_date() = Date(2022, 8, 30);
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    EXPECT_EQ(stub_->UpdateConvention(&ctx, req, &updated).error_code(),
              grpc::StatusCode::ABORTED);
  }
  // Unknown path.
  req.set_request_id(NextRequestId());
  req.mutable_convention()->clear_etag();
  req.mutable_update_mask()->set_paths(0, "state");
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    grpc::Status st = stub_->UpdateConvention(&ctx, req, &updated);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolatedFields(st), ElementsAre("update_mask"));
  }
  // Not a draft any more.
  Activate(c.name(), Date(2021, 10, 11), Date(2021, 11, 3));
  req.set_request_id(NextRequestId());
  req.mutable_update_mask()->set_paths(0, "end_date");
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    EXPECT_EQ(stub_->UpdateConvention(&ctx, req, &updated).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  v1::Convention read;
  ASSERT_TRUE(Get(c.name(), &read).ok());
  EXPECT_EQ(Iso(read.end_date()), "2022-09-01");
}

TEST_F(ConventionServiceTest, GetReportsMissingAndMalformedNames) {
  v1::Convention out;
  EXPECT_EQ(Get("conventions/nope", &out).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::Status st = Get("convention/30227-2021", &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), ElementsAre("name"));
}

TEST_F(ConventionServiceTest, ListFiltersAndPaginates) {
  for (const char* insee : {"30227", "34172", "11069", "48095", "66136"}) {
    v1::Convention c;
    ASSERT_TRUE(Create(DraftRequest(insee), &c).ok());
  }
  v1::Convention next_year;
  ASSERT_TRUE(Create(DraftRequest("30227", "2022-2023"), &next_year).ok());

  std::vector<std::string> names;
  v1::ListConventionsRequest req;
  req.set_page_size(2);
  int pages = 0;
  do {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::ListConventionsResponse resp;
    ASSERT_TRUE(stub_->ListConventions(&ctx, req, &resp).ok());
    for (const auto& c : resp.conventions()) names.push_back(c.name());
    req.set_page_token(resp.next_page_token());
    ++pages;
  } while (!req.page_token().empty());
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(names, ElementsAre("conventions/11069-2021", "conventions/30227-2021",
                                 "conventions/30227-2022", "conventions/34172-2021",
                                 "conventions/48095-2021", "conventions/66136-2021"));

  v1::ListConventionsRequest by_commune;
  by_commune.set_commune_insee_code("30227");
  by_commune.set_school_year("2022-2023");
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::ListConventionsResponse resp;
    ASSERT_TRUE(stub_->ListConventions(&ctx, by_commune, &resp).ok());
    ASSERT_EQ(resp.conventions_size(), 1);
    EXPECT_EQ(resp.conventions(0).name(), "conventions/30227-2022");
  }
  v1::ListConventionsRequest active;
  active.set_state(v1::Convention::STATE_ACTIVE);
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::ListConventionsResponse resp;
    ASSERT_TRUE(stub_->ListConventions(&ctx, active, &resp).ok());
    EXPECT_EQ(resp.conventions_size(), 0);
  }
  // A token is bound to its filters; bad inputs are named.
  {
    v1::ListConventionsRequest first;
    first.set_page_size(1);
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::ListConventionsResponse resp;
    ASSERT_TRUE(stub_->ListConventions(&ctx, first, &resp).ok());
    by_commune.set_page_token(resp.next_page_token());
    grpc::ClientContext ctx2;
    Auth(ctx2);
    grpc::Status st = stub_->ListConventions(&ctx2, by_commune, &resp);
    EXPECT_THAT(ViolatedFields(st), ElementsAre("page_token"));
  }
  v1::ListConventionsRequest bad;
  bad.set_page_size(-1);
  bad.set_commune_insee_code("ABCDE");
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::ListConventionsResponse resp;
    grpc::Status st = stub_->ListConventions(&ctx, bad, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(ConventionServiceTest, CancelledDraftCannotBeSigned) {
  v1::Convention c;
  ASSERT_TRUE(Create(DraftRequest("30227"), &c).ok());
  v1::CancelConventionRequest req;
  req.set_name(c.name());
  req.set_request_id(NextRequestId());
  req.set_reason("created twice");
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->CancelConvention(&ctx, req, &c).ok());
  }
  EXPECT_EQ(c.state(), v1::Convention::STATE_CANCELLED);
  v1::Convention out;
  EXPECT_EQ(Sign(c.name(), v1::PARTY_ROLE_ACADEMIE, Date(2021, 10, 11), &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Get(c.name(), &out).ok());
  EXPECT_EQ(out.signatures_size(), 0);
}

TEST_F(ConventionServiceTest, SignatureAfterTodayIsRefused) {
  v1::Convention c;
  ASSERT_TRUE(Create(DraftRequest("30227", "2098-2099"), &c).ok());
  v1::Convention out;
  grpc::Status st = Sign(c.name(), v1::PARTY_ROLE_ACADEMIE, Date(2099, 1, 1), &out);
  // Depends on the day, not on the request alone: FAILED_PRECONDITION with a
  // PreconditionFailure naming the field.
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  std::vector<std::string> subjects;
  for (const auto& [subject, description] : PreconditionViolationsOf(FromGrpcStatus(st))) {
    subjects.push_back(subject);
  }
  EXPECT_THAT(subjects, ElementsAre("signature.date"));
}

// The commune and the schools are checked against the INSEE list and the
// académie (deploy/config/academie.textproto, the binary's default).
TEST_F(ConventionServiceTest, DraftsAreCheckedAgainstTheRegistriesAndSayWhichTheyUsed) {
  v1::Convention c;
  grpc::Status st = Create(DraftRequest("18198"), &c);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), ElementsAre("convention.commune.insee_code"));
  EXPECT_THAT(st.error_message(), HasSubstr("18198 is Saint-Ambroix (Cher, 18), outside the "
                                            "Académie de Montpellier (11, 30, 34, 48, 66)"));
  v1::CreateConventionRequest neighbour = DraftRequest("30227");
  neighbour.mutable_convention()->mutable_commune()->set_siren("213003031");
  st = Create(neighbour, &c);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("the INSEE list gives 213002272"));

  v1::CreateConventionRequest ok = DraftRequest("30227");
  ok.mutable_convention()->mutable_commune()->mutable_party()->set_name("Ville de Saint Ambroise");
  ok.mutable_convention()->mutable_schools(1)->set_uai("0340001S");  // Hérault, next door
  ASSERT_TRUE(Create(ok, &c).ok());
  EXPECT_THAT(c.registry_version(), HasSubstr("34969 communes; sha256 "));
  EXPECT_THAT(c.warnings(), ::testing::Contains(HasSubstr("differs from the INSEE list's")));
  EXPECT_THAT(c.warnings(), ::testing::Contains(HasSubstr("0340001S is a school of Hérault (34)")));
  v1::Convention clean;
  ASSERT_TRUE(Create(DraftRequest("30189"), &clean).ok());  // Nîmes, as the registry has it
  EXPECT_THAT(clean.warnings(), ::testing::IsEmpty());
  v1::ListConventionsRequest list;
  list.set_with_warnings(true);
  v1::ListConventionsResponse with_warnings;
  {
    grpc::ClientContext list_ctx;
    Auth(list_ctx);
    ASSERT_TRUE(stub_->ListConventions(&list_ctx, list, &with_warnings).ok());
  }
  ASSERT_EQ(with_warnings.conventions_size(), 1);
  EXPECT_EQ(with_warnings.conventions(0).name(), c.name());

  v1::AddSchoolRequest add;
  add.set_convention(c.name());
  add.set_request_id(NextRequestId());
  add.mutable_school()->set_uai("0180001D");
  add.mutable_school()->set_name("ECOLE DU CHER");
  add.mutable_school()->set_type(v1::SCHOOL_TYPE_PRIMAIRE);
  grpc::ClientContext ctx;
  Auth(ctx);
  st = stub_->AddSchool(&ctx, add, &c);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), ElementsAre("school.uai"));
}

TEST_F(ConventionServiceTest, SchoolsChangeInDraftAndByAmendmentOnceActive) {
  v1::Convention c;
  ASSERT_TRUE(Create(DraftRequest("30227"), &c).ok());
  v1::AddSchoolRequest add;
  add.set_convention(c.name());
  add.set_request_id(NextRequestId());
  add.mutable_school()->set_uai("0300002p");
  add.mutable_school()->set_name("ECOLE PRIMAIRE");
  add.mutable_school()->set_type(v1::SCHOOL_TYPE_PRIMAIRE);
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->AddSchool(&ctx, add, &c).ok());
  }
  ASSERT_EQ(c.schools_size(), 3);
  EXPECT_EQ(c.schools(2).uai(), "0300002P");
  {
    add.set_request_id(NextRequestId());
    grpc::ClientContext ctx;
    Auth(ctx);
    EXPECT_EQ(stub_->AddSchool(&ctx, add, &c).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  }
  Activate(c.name(), Date(2021, 10, 11), Date(2021, 11, 3));
  add.set_request_id(NextRequestId());
  add.mutable_school()->set_uai("0300003R");
  *add.mutable_amendment_date() = Date(2022, 1, 10);
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->AddSchool(&ctx, add, &c).ok());
  }
  EXPECT_EQ(Iso(c.schools(3).enrolled_date()), "2022-01-10");
  v1::RemoveSchoolRequest remove;
  remove.set_convention(c.name());
  remove.set_request_id(NextRequestId());
  remove.set_uai("0300002P");
  *remove.mutable_amendment_date() = Date(2022, 2, 1);
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->RemoveSchool(&ctx, remove, &c).ok());
  }
  EXPECT_EQ(c.schools_size(), 3);
  remove.set_request_id(NextRequestId());
  remove.set_uai("0300002X");
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    grpc::Status st = stub_->RemoveSchool(&ctx, remove, &c);
    EXPECT_THAT(ViolatedFields(st), ElementsAre("uai"));
  }
  auto events = Events(c.name());
  std::vector<v1::ConventionEvent::Type> types;
  for (const auto& e : events) types.push_back(e.type());
  EXPECT_THAT(types, ::testing::Contains(v1::ConventionEvent::TYPE_AMENDMENT_SCHOOL_ADDED));
  EXPECT_THAT(types, ::testing::Contains(v1::ConventionEvent::TYPE_AMENDMENT_SCHOOL_REMOVED));
  EXPECT_EQ(events.back().changes(0).field(), "schools");
}

TEST_F(ConventionServiceTest, OverlapIsRefusedButRenewalSupersedesItsPredecessor) {
  v1::Convention first;
  ASSERT_TRUE(Create(DraftRequest("30227"), &first).ok());
  first = Activate(first.name(), Date(2021, 10, 11), Date(2021, 11, 3));

  // Another convention of the same commune over the same days: refused.
  v1::Convention other;
  ASSERT_TRUE(Create(DraftRequest("30227"), &other).ok());
  v1::Convention out;
  ASSERT_TRUE(Sign(other.name(), v1::PARTY_ROLE_ACADEMIE, Date(2022, 1, 5), &out).ok());
  grpc::Status st = Sign(other.name(), v1::PARTY_ROLE_COMMUNE, Date(2022, 1, 6), &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("at most one convention per commune"));
  ASSERT_TRUE(Get(other.name(), &out).ok());
  EXPECT_EQ(out.state(), v1::Convention::STATE_SIGNING);

  // A renewal takes over the day it takes effect.
  v1::RenewConventionRequest renew;
  renew.set_name(first.name());
  renew.set_request_id(NextRequestId());
  v1::Convention renewal;
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    ASSERT_TRUE(stub_->RenewConvention(&ctx, renew, &renewal).ok());
  }
  EXPECT_EQ(renewal.school_year(), "2022-2023");
  EXPECT_EQ(renewal.renews(), first.name());
  EXPECT_EQ(Iso(renewal.end_date()), "2023-08-31");
  renew.set_request_id(NextRequestId());
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    EXPECT_EQ(stub_->RenewConvention(&ctx, renew, &out).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  renewal = Activate(renewal.name(), Date(2022, 8, 20), Date(2022, 8, 25));
  EXPECT_EQ(renewal.state(), v1::Convention::STATE_ACTIVE);
  ASSERT_TRUE(Get(first.name(), &out).ok());
  EXPECT_EQ(out.state(), v1::Convention::STATE_EXPIRED);
  EXPECT_EQ(Iso(out.last_day_in_force()), "2022-08-24");
  EXPECT_EQ(Events(first.name()).back().type(), v1::ConventionEvent::TYPE_SUPERSEDED);
}

// SIGKILL while eight writers are creating conventions: the kill lands with
// writes in flight (the database holds some, not all; calls failed), and
// every write acknowledged before it is there after the restart.
TEST_F(ConventionServiceTest, AcknowledgedWritesSurviveACrash) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::vector<std::thread> threads;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::atomic<int> failed{0};
  std::vector<std::vector<std::string>> acked(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread && !stop; ++i) {
        v1::CreateConventionRequest req = DraftRequest("30227");
        req.set_convention_id("crash-" + std::to_string(t) + "-" + std::to_string(i));
        v1::Convention out;
        if (Create(req, &out).ok()) {
          acked[t].push_back(out.name());
          acknowledged++;
        } else {
          failed++;
        }
      }
    });
  }
  while (acknowledged < kThreads * kPerThread / 10) std::this_thread::yield();
  service_->Kill();
  stop = true;
  for (auto& t : threads) t.join();
  const auto stored = testing::StoreQueryInt(*service_, dir_.path() + "/convention.db", "convention",
                                             "SELECT COUNT(*) FROM conventions");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_GE(*stored, acknowledged.load());
  EXPECT_LT(*stored, kThreads * kPerThread) << "the kill landed after the work";
  EXPECT_GT(failed.load(), 0);
  ASSERT_TRUE(service_->Start().ok());
  Connect();
  int checked = 0;
  for (const auto& names : acked) {
    for (const std::string& name : names) {
      v1::Convention out;
      EXPECT_TRUE(Get(name, &out).ok()) << name;
      ++checked;
    }
  }
  EXPECT_EQ(checked, acknowledged.load());
}

// Faults below the process (a test VFS): while fsync fails or the disk is
// full, writes answer UNAVAILABLE and keep nothing; once the fault is gone the
// service writes again without a restart, and after a crash every write it
// acknowledged is there.
TEST_F(ConventionServiceTest, DiskFaultsAnswerUnavailableLoseNothingAndRecover) {
  if (testing::TestsOnPostgres()) {
    GTEST_SKIP() << "disk faults are injected by SQLite's test VFS; on PostgreSQL, "
                    "postgres_instances_test restarts the server under load";
  }
  service_->Stop();
  const std::string fault = dir_.path() + "/fault";
  setenv("ENT_SQLITE_FAULT_FILE", fault.c_str(), 1);
  ASSERT_TRUE(service_->Start().ok());
  unsetenv("ENT_SQLITE_FAULT_FILE");
  Connect();
  auto create = [&](const std::string& id) {
    v1::CreateConventionRequest req = DraftRequest("30227");
    req.set_convention_id(id);
    v1::Convention out;
    return Create(req, &out);
  };
  ASSERT_TRUE(create("before").ok());
  for (const char* kind : {"sync", "full"}) {
    std::ofstream(fault) << kind;
    for (int i = 0; i < 3; ++i) {
      const std::string id = std::string("during-") + kind + "-" + std::to_string(i);
      const grpc::Status st = create(id);
      EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << kind << ": " << st.error_message();
    }
    std::filesystem::remove(fault);
    const std::string after = std::string("after-") + kind;
    const grpc::Status st = create(after);
    EXPECT_TRUE(st.ok()) << kind << ": " << st.error_message();
  }
  service_->Kill();
  ASSERT_TRUE(service_->Start().ok());
  Connect();
  v1::Convention out;
  for (const char* kept : {"before", "after-sync", "after-full"}) {
    EXPECT_TRUE(Get(std::string("conventions/") + kept, &out).ok()) << kept;
  }
  for (const char* kind : {"sync", "full"}) {
    for (int i = 0; i < 3; ++i) {
      const std::string name = std::string("conventions/during-") + kind + "-" + std::to_string(i);
      EXPECT_EQ(Get(name, &out).error_code(), grpc::StatusCode::NOT_FOUND) << name;
    }
  }
}

// Health that means something: a database that cannot be written makes the
// service NOT_SERVING (and the overall status too) until it can again; timers
// due and not fired beyond --timer-stuck-seconds make ent.workflow
// NOT_SERVING until they fire.
TEST_F(ConventionServiceTest, HealthSaysWhenTheDatabaseCannotBeWrittenOrTheTimersAreStuck) {
  if (testing::TestsOnPostgres()) {
    GTEST_SKIP() << "disk faults are injected by SQLite's test VFS";
  }
  service_->Stop();
  const std::string fault = dir_.path() + "/fault";
  setenv("ENT_SQLITE_FAULT_FILE", fault.c_str(), 1);
  testing::ServiceProcess monitored(
      testing::BinaryPath("convention-service/ent-convention-service"), dir_.path(),
      {"--principals=" + principals_.path(), std::string("--clock=") + kClock,
       "--health-interval-seconds=1", "--timer-stuck-seconds=1"});
  ASSERT_TRUE(monitored.Start().ok());
  unsetenv("ENT_SQLITE_FAULT_FILE");
  stub_ = v1::ConventionService::NewStub(monitored.Channel());
  // {status: SERVING} is 08 01, NOT_SERVING 08 02.
  auto status = [&](const std::string& name) {
    std::string response;
    const grpc::Status st = testing::RawExchange(monitored.Channel(), "/grpc.health.v1.Health/Check",
                                                 name.empty() ? "" : testing::EncodeStringField(1, name),
                                                 &response);
    return st.ok() ? response : "error: " + st.error_message();
  };
  const std::string kServing("\x08\x01", 2), kNotServing("\x08\x02", 2);
  // Waits (a deadlock detector, not a timing bound) for `name` to say `want`.
  auto becomes = [&](const std::string& name, const std::string& want) {
    for (int i = 0; i < 600; ++i) {
      if (status(name) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  v1::Convention c;
  ASSERT_TRUE(Create(DraftRequest("30227"), &c).ok());
  Activate(c.name(), Date(2021, 10, 11), Date(2021, 11, 3));  // expiry due 2022-09-02 00:00
  EXPECT_EQ(status("ent.convention.v1.ConventionService"), kServing);
  EXPECT_EQ(status("ent.workflow"), kServing);
  EXPECT_EQ(status(""), kServing);

  std::ofstream(fault) << "sync";  // every fsync fails from now on
  EXPECT_TRUE(becomes("ent.convention.v1.ConventionService", kNotServing));
  EXPECT_EQ(status(""), kNotServing);
  // Time passes the expiry, which cannot be written: the timer stays due.
  auto clock = v1testing::ClockService::NewStub(monitored.Channel());
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1testing::SetTimeRequest req;
    req.mutable_time()->set_seconds(1662112800);  // 2022-09-02T12:00:00+02:00
    v1testing::GetTimeResponse resp;
    EXPECT_EQ(clock->SetTime(&ctx, req, &resp).error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_TRUE(becomes("ent.workflow", kNotServing));

  std::filesystem::remove(fault);  // the disk is back
  EXPECT_TRUE(becomes("ent.convention.v1.ConventionService", kServing));
  {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1testing::SetTimeRequest req;
    req.mutable_time()->set_seconds(1662112800);  // the same instant: fires what is due
    v1testing::GetTimeResponse resp;
    const grpc::Status st = clock->SetTime(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  EXPECT_TRUE(becomes("ent.workflow", kServing));
  EXPECT_TRUE(becomes("", kServing));
  v1::Convention expired;
  ASSERT_TRUE(Get(c.name(), &expired).ok());
  EXPECT_EQ(expired.state(), v1::Convention::STATE_EXPIRED);
}

TEST_F(ConventionServiceTest, GracefulRestartKeepsDataAndRetriesStillAnswer) {
  v1::Convention c;
  v1::CreateConventionRequest req = DraftRequest("30227");
  ASSERT_TRUE(Create(req, &c).ok());
  Restart();
  v1::Convention again;
  ASSERT_TRUE(Create(req, &again).ok());
  EXPECT_EQ(again.name(), c.name());
  EXPECT_EQ(again.etag(), c.etag());
}

TEST_F(ConventionServiceTest, WatchStreamsHistoryThenLiveEventsAndResumes) {
  v1::Convention c;
  ASSERT_TRUE(Create(demo::SaintAmbroixCreate(), &c).ok());

  grpc::ClientContext ctx;

  Auth(ctx);
  v1::WatchConventionEventsRequest req;
  auto reader = stub_->WatchConventionEvents(&ctx, req);
  v1::ConventionEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), v1::ConventionEvent::TYPE_CREATED);
  const int64_t first_sequence = event.sequence();

  // A live change arrives on the open stream.
  v1::Convention out;
  grpc::Status signed_status = Sign(c.name(), v1::PARTY_ROLE_ACADEMIE, Date(2021, 10, 11), &out);
  ASSERT_TRUE(signed_status.ok()) << signed_status.error_message();
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), v1::ConventionEvent::TYPE_SIGNED);
  EXPECT_EQ(event.state(), v1::Convention::STATE_SIGNING);
  EXPECT_GT(event.sequence(), first_sequence);
  ctx.TryCancel();
  reader->Finish();

  // Resuming after the first event yields only what followed.
  grpc::ClientContext resume_ctx;
  Auth(resume_ctx);
  req.set_after_sequence(first_sequence);
  req.set_convention(c.name());
  auto resumed = stub_->WatchConventionEvents(&resume_ctx, req);
  ASSERT_TRUE(resumed->Read(&event));
  EXPECT_EQ(event.type(), v1::ConventionEvent::TYPE_SIGNED);
  resume_ctx.TryCancel();
  resumed->Finish();

  grpc::ClientContext bad_ctx;

  Auth(bad_ctx);
  req.set_after_sequence(-1);
  auto bad = stub_->WatchConventionEvents(&bad_ctx, req);
  EXPECT_FALSE(bad->Read(&event));
  EXPECT_EQ(bad->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// A stream opened while the convention is being written catches up with a
// history longer than one read, then follows the writes as they commit (handed
// over by the hub, not read again): every event once, in order.
TEST_F(ConventionServiceTest, WatchStreamOpenedDuringWritesMissesAndRepeatsNothing) {
  // Each history read is held 30 ms after its snapshot: writes commit during
  // every read, and the stream must take them from the hub.
  service_->SetEnv("ENT_TEST_EVENT_READ_DELAY_MS", "30");
  Restart();
  v1::Convention c;
  ASSERT_TRUE(Create(DraftRequest("30227"), &c).ok());
  constexpr int kUpdates = 700, kBeforeWatching = 300;
  std::atomic<int> written{0};
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    for (int i = 0; i < kUpdates; ++i) {
      v1::UpdateConventionRequest req;
      req.set_request_id(NextRequestId());
      req.mutable_convention()->set_name(c.name());
      *req.mutable_convention()->mutable_end_date() = Date(2022, 8, 1 + i % 2);
      req.mutable_update_mask()->add_paths("end_date");
      v1::Convention out;
      grpc::ClientContext ctx;
      Auth(ctx);
      if (!stub_->UpdateConvention(&ctx, req, &out).ok()) failed = true;
      ++written;
    }
  });
  while (written < kBeforeWatching) absl::SleepFor(absl::Milliseconds(5));

  grpc::ClientContext ctx;
  Auth(ctx);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchConventionEventsRequest req;
  req.set_convention(c.name());
  auto reader = stub_->WatchConventionEvents(&ctx, req);
  const int written_when_opened = written;
  std::vector<int64_t> sequences;
  v1::ConventionEvent event;
  while (static_cast<int>(sequences.size()) < 1 + kUpdates && reader->Read(&event)) {
    sequences.push_back(event.sequence());
  }
  writer.join();
  ctx.TryCancel();
  reader->Finish();
  ASSERT_FALSE(failed);
  EXPECT_LT(written_when_opened, kUpdates) << "the stream must open while writes go on";
  ASSERT_EQ(sequences.size(), 1u + kUpdates) << "the creation and every update, none missed";
  for (size_t i = 1; i < sequences.size(); ++i) {
    ASSERT_GT(sequences[i], sequences[i - 1]) << "at " << i << ": in order, none repeated";
  }
}

TEST_F(ConventionServiceTest, ServesHealthCheckingAndReflection) {
  std::string response;
  // grpc.health.v1.HealthCheckRequest{service}; the response {status: SERVING} is 08 01.
  ASSERT_TRUE(testing::RawExchange(service_->Channel(), "/grpc.health.v1.Health/Check",
                                   testing::EncodeStringField(1, "ent.convention.v1.ConventionService"),
                                   &response)
                  .ok());
  EXPECT_EQ(response, std::string("\x08\x01", 2));
  // grpc.reflection.v1alpha.ServerReflectionRequest{list_services: ""} (field 7).
  response.clear();
  ASSERT_TRUE(testing::RawExchange(service_->Channel(),
                                   "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                   testing::EncodeStringField(7, ""), &response)
                  .ok());
  EXPECT_THAT(response, HasSubstr("ent.convention.v1.ConventionService"));
  EXPECT_THAT(response, HasSubstr("grpc.health.v1.Health"));
}

}  // namespace
}  // namespace ent::convention
