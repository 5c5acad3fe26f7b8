// What hostile and careless clients found (issue "Hardening"), each tested
// as a class against the real binaries: every method of every service, not
// the one case that was reported.
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/raw_grpc.h"
#include "ent/admin/v1/admin_service.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent {
namespace {

namespace cv1 = ::ent::convention::v1;
namespace bv1 = ::ent::billing::v1;
namespace tv1 = ::ent::testing::v1;
using testing::TestPrincipals;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Both services on simulated clocks (so the ClockService is served too).
class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Make sure every service's descriptors are linked in and registered.
    ASSERT_NE(cv1::CreateConventionRequest::descriptor(), nullptr);
    ASSERT_NE(bv1::IssueTitreRequest::descriptor(), nullptr);
    ASSERT_NE(tv1::AdvanceClockRequest::descriptor(), nullptr);
    convention_ = Start("convention-service/ent-convention-service", convention_dir_);
    billing_ = Start("billing-service/ent-billing-service", billing_dir_);
  }

  std::unique_ptr<testing::ServiceProcess> Start(const std::string& binary,
                                                 const testing::TempDir& dir,
                                                 const std::string& listen = "127.0.0.1:0") {
    auto p = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath(binary), dir.path(),
        std::vector<std::string>{"--principals=" + principals_.path(),
                                 "--clock=simulated:2022-08-26T10:00:00+02:00"},
        listen);
    return p;
  }

  void StartBoth() {
    ASSERT_TRUE(convention_->Start().ok());
    ASSERT_TRUE(billing_->Start().ok());
  }

  // Every method of `service`, with the process that serves it.
  std::vector<std::pair<const google::protobuf::MethodDescriptor*, testing::ServiceProcess*>>
  AllMethods() {
    std::vector<std::pair<const google::protobuf::MethodDescriptor*, testing::ServiceProcess*>> out;
    auto add = [&](const std::string& name, testing::ServiceProcess* p) {
      const auto* s = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
      ASSERT_NE(s, nullptr) << name;
      for (int i = 0; i < s->method_count(); ++i) out.push_back({s->method(i), p});
    };
    add("ent.convention.v1.ConventionService", convention_.get());
    add("ent.billing.v1.BillingService", billing_.get());
    add("ent.testing.v1.ClockService", convention_.get());
    add("ent.testing.v1.ClockService", billing_.get());
    ent::admin::v1::Backup::descriptor();  // links (and so registers) admin_service.proto
    add(ent::admin::v1::AdminService::service_full_name(), convention_.get());
    add(ent::admin::v1::AdminService::service_full_name(), billing_.get());
    return out;
  }

  static std::string Path(const google::protobuf::MethodDescriptor* m) {
    return "/" + m->service()->full_name() + "/" + m->name();
  }

  testing::TempDir convention_dir_;
  testing::TempDir billing_dir_;
  TestPrincipals principals_{convention_dir_.path()};
  std::unique_ptr<testing::ServiceProcess> convention_;
  std::unique_ptr<testing::ServiceProcess> billing_;
};

TEST_F(HardeningTest, SecondServerOnBusyPortFailsAtOnceWithAddressInUse) {
  StartBoth();
  for (auto* first : {convention_.get(), billing_.get()}) {
    for (const char* binary :
         {"convention-service/ent-convention-service", "billing-service/ent-billing-service"}) {
      testing::TempDir other;
      auto second = Start(binary, other, first->address());
      absl::Status started = second->Start();
      EXPECT_FALSE(started.ok()) << binary << " started on the busy port " << first->address();
      EXPECT_THAT(ReadAll(second->log_path()), HasSubstr("Address already in use")) << binary;
    }
    // The first server still answers.
    std::string out;
    grpc::Status health = testing::RawExchange(first->Channel(), "/grpc.health.v1.Health/Check",
                                               "", &out);
    EXPECT_TRUE(health.ok()) << health.error_message();
  }
}

TEST_F(HardeningTest, UnparseableBodyIsInvalidArgumentOnEveryMethod) {
  StartBoth();
  int checked = 0;
  const auto methods = AllMethods();
  // Conventions, billing, each clock service, each admin service (backups, who calls).
  EXPECT_EQ(methods.size(), 27u + 13u + 3u + 3u + 2u + 2u);
  for (const auto& [method, process] : methods) {
    // Random bytes: a field with wire type 7, which does not exist.
    // Invalid UTF-8 in the first string field of the request, when it has one.
    std::vector<std::string> bodies = {std::string("\x0f\xff\xfe\x01", 4)};
    const auto* input = method->input_type();
    for (int i = 0; i < input->field_count(); ++i) {
      if (input->field(i)->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
        bodies.push_back(testing::EncodeStringField(input->field(i)->number(), "\xc3\x28 bad"));
        break;
      }
    }
    for (const std::string& body : bodies) {
      std::string out;
      grpc::Status st = testing::RawExchange(process->Channel(), Path(method), body, &out,
                                             principals_.Token(TestPrincipals::kRectorat));
      EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Path(method);
      EXPECT_THAT(st.error_message(), HasSubstr("could not be parsed as " + input->full_name()))
          << Path(method);
      ++checked;
    }
  }
  EXPECT_GE(checked, static_cast<int>(methods.size()) + 25);  // most have a string field
  // protobuf's own "invalid UTF-8" line is not printed once per request.
  EXPECT_THAT(ReadAll(convention_->log_path()), Not(HasSubstr("contains invalid UTF-8")));
  EXPECT_THAT(ReadAll(billing_->log_path()), Not(HasSubstr("contains invalid UTF-8")));
}

// Every string field of every request set to 9 KB: whatever the answer, it
// is not RESOURCE_EXHAUSTED and its message and details stay small.
TEST_F(HardeningTest, ErrorsNeverEchoLongInput) {
  StartBoth();
  const std::string huge(9000, 'x');
  google::protobuf::DynamicMessageFactory factory;
  int checked = 0;
  for (const auto& [method, process] : AllMethods()) {
    if (method->server_streaming()) continue;  // covered below with a bounded wait
    std::unique_ptr<google::protobuf::Message> req(factory.GetPrototype(method->input_type())->New());
    const auto* d = req->GetDescriptor();
    int strings = 0;
    for (int i = 0; i < d->field_count(); ++i) {
      const auto* f = d->field(i);
      if (f->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !f->is_repeated()) {
        req->GetReflection()->SetString(req.get(), f, huge);
        ++strings;
      }
    }
    if (strings == 0) continue;
    for (const char* who : {TestPrincipals::kRectorat, TestPrincipals::kFinance}) {
      std::string out;
      grpc::Status st = testing::RawExchange(process->Channel(), Path(method),
                                             req->SerializeAsString(), &out, principals_.Token(who));
      EXPECT_NE(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Path(method);
      EXPECT_NE(st.error_code(), grpc::StatusCode::OK) << Path(method) << " accepted 9 KB fields";
      EXPECT_LT(st.error_message().size(), 600u) << Path(method) << ": " << st.error_message();
      EXPECT_LT(st.error_details().size(), 1200u) << Path(method);
      EXPECT_THAT(st.error_message(), Not(HasSubstr(std::string(100, 'x')))) << Path(method);
      ++checked;
    }
  }
  EXPECT_GE(checked, 2 * 25);
}

TEST_F(HardeningTest, OverlongNamesAreInvalidArgumentNamingTheBound) {
  StartBoth();
  const std::string name = "conventions/" + std::string(300, 'a');
  auto stub = cv1::ConventionService::NewStub(convention_->Channel());
  grpc::ClientContext ctx;
  principals_.Authorize(ctx, TestPrincipals::kRectorat);
  cv1::GetConventionRequest req;
  req.set_name(name);
  cv1::Convention out;
  grpc::Status st = stub->GetConvention(&ctx, req, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("at most 200 bytes"));
}

TEST_F(HardeningTest, ResourceNamesHaveOneSpelling) {
  StartBoth();
  auto billing = bv1::BillingService::NewStub(billing_->Channel());
  for (const char* name : {"titres/2026-+00001", "titres/2026- 00001", "titres/2026-0000001",
                           "titres/+026-000001", "titres/2026-000001/", "titres/2026-000000"}) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kFinance);
    bv1::GetTitreRequest req;
    req.set_name(name);
    bv1::Titre out;
    EXPECT_EQ(billing->GetTitre(&ctx, req, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << name;
  }
  auto conventions = cv1::ConventionService::NewStub(convention_->Channel());
  for (const char* name :
       {"conventions/30227-2021/disputes/+1", "conventions/30227-2021/disputes/01",
        "conventions/30227-2021/disputes/ 1", "conventions/30227-2021/disputes/1/",
        "conventions/30227-2021/disputes/0", "conventions/30227-2021/disputes/1x",
        "conventions/30227-2021 /disputes/1", "conventions/30227-2021/disputes/-1",
        "conventions/30227-2021/disputes/99999999999999999999999"}) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kRectorat);
    cv1::GetDisputeRequest req;
    req.set_name(name);
    cv1::Dispute out;
    EXPECT_EQ(conventions->GetDispute(&ctx, req, &out).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << name;
  }
}

TEST_F(HardeningTest, UnknownEnumValuesAreInvalidArgumentOnEveryMethod) {
  StartBoth();
  auto conventions = cv1::ConventionService::NewStub(convention_->Channel());
  auto billing = bv1::BillingService::NewStub(billing_->Channel());
  // The field each request leaves unknown, and the call.
  struct Case {
    const char* who;
    const char* field;
    std::function<grpc::Status(grpc::ClientContext&)> call;
  };
  const auto unknown = 99;
  std::vector<Case> cases = {
      {TestPrincipals::kFinance, "state",
       [&](grpc::ClientContext& ctx) {
         bv1::ListTitresRequest r;
         r.set_state(static_cast<bv1::Titre::State>(unknown));
         bv1::ListTitresResponse out;
         return billing->ListTitres(&ctx, r, &out);
       }},
      {TestPrincipals::kFinance, "correction.kind",
       [&](grpc::ClientContext& ctx) {
         bv1::CreateCorrectionRequest r;
         r.set_titre("titres/2021-000001");
         r.set_request_id("enum-1");
         r.mutable_correction()->set_kind(static_cast<bv1::Correction::Kind>(unknown));
         bv1::Correction out;
         return billing->CreateCorrection(&ctx, r, &out);
       }},
      {TestPrincipals::kRectorat, "state",
       [&](grpc::ClientContext& ctx) {
         cv1::ListConventionsRequest r;
         r.set_state(static_cast<cv1::Convention::State>(unknown));
         cv1::ListConventionsResponse out;
         return conventions->ListConventions(&ctx, r, &out);
       }},
      {TestPrincipals::kRectorat, "state",
       [&](grpc::ClientContext& ctx) {
         cv1::ListDisputesRequest r;
         r.set_parent("conventions/-");
         r.set_state(static_cast<cv1::Dispute::State>(unknown));
         cv1::ListDisputesResponse out;
         return conventions->ListDisputes(&ctx, r, &out);
       }},
      {TestPrincipals::kRectorat, "state",
       [&](grpc::ClientContext& ctx) {
         cv1::ListOutboxMessagesRequest r;
         r.set_state(static_cast<cv1::OutboxMessage::State>(unknown));
         cv1::ListOutboxMessagesResponse out;
         return conventions->ListOutboxMessages(&ctx, r, &out);
       }},
      {TestPrincipals::kRectorat, "field",
       [&](grpc::ClientContext& ctx) {
         cv1::CorrectDisputeDateRequest r;
         r.set_name("conventions/30227-2021/disputes/1");
         r.set_request_id("enum-2");
         r.set_field(static_cast<cv1::DisputeDateField>(unknown));
         cv1::Dispute out;
         return conventions->CorrectDisputeDate(&ctx, r, &out);
       }},
      {TestPrincipals::kSupport, "kind",
       [&](grpc::ClientContext& ctx) {
         cv1::GetDisputeLetterRequest r;
         r.set_name("conventions/30227-2021/disputes/1");
         r.set_kind(static_cast<cv1::DisputeLetterKind>(unknown));
         ent::document::v1::Document out;
         return conventions->GetDisputeLetter(&ctx, r, &out);
       }},
      {TestPrincipals::kRectorat, "signature.party",
       [&](grpc::ClientContext& ctx) {
         cv1::SignConventionRequest r = demo::SaintAmbroixCommuneSignature();
         r.set_name("conventions/30227-2021");
         r.mutable_signature()->set_party(static_cast<cv1::PartyRole>(unknown));
         cv1::Convention out;
         return conventions->SignConvention(&ctx, r, &out);
       }},
      {TestPrincipals::kRectorat, "dispute.party",
       [&](grpc::ClientContext& ctx) {
         cv1::OpenDisputeRequest r;
         r.set_parent("conventions/30227-2021");
         r.set_request_id("enum-3");
         r.mutable_dispute()->set_party(static_cast<cv1::PartyRole>(unknown));
         cv1::Dispute out;
         return conventions->OpenDispute(&ctx, r, &out);
       }},
      {TestPrincipals::kRectorat, "conciliation.outcome",
       [&](grpc::ClientContext& ctx) {
         cv1::RecordConciliationRequest r;
         r.set_name("conventions/30227-2021/disputes/1");
         r.set_request_id("enum-4");
         r.mutable_conciliation()->set_outcome(static_cast<cv1::ConciliationOutcome>(unknown));
         cv1::Dispute out;
         return conventions->RecordConciliation(&ctx, r, &out);
       }},
      {TestPrincipals::kRectorat, "convention.schools[0].type",
       [&](grpc::ClientContext& ctx) {
         cv1::CreateConventionRequest r = demo::SaintAmbroixCreate();
         r.set_request_id("enum-5");
         r.mutable_convention()->mutable_schools(0)->set_type(static_cast<cv1::SchoolType>(unknown));
         cv1::Convention out;
         return conventions->CreateConvention(&ctx, r, &out);
       }},
  };
  for (const Case& c : cases) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, c.who);
    grpc::Status st = c.call(ctx);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(st.error_message(), HasSubstr(std::string(c.field) + ": ")) << c.field;
  }
}

// Log lines are written within the sink's flush interval (100 ms): a SIGKILL
// loses none of the calls answered before that.
TEST_F(HardeningTest, ASigkillLosesNoLogLineOlderThanTheFlushInterval) {
  StartBoth();
  auto conventions = cv1::ConventionService::NewStub(convention_->Channel());
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kSupport);
    cv1::GetConventionRequest req;
    req.set_name(absl::StrCat("conventions/logged-", i));
    cv1::Convention out;
    EXPECT_EQ(conventions->GetConvention(&ctx, req, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // five flush intervals
  convention_->Kill();
  const std::string log = ReadAll(convention_->log_path());
  int calls = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    if (absl::StrContains(line, "\"method\":\"/ent.convention.v1.ConventionService/GetConvention\"") &&
        absl::StrContains(line, "\"code\":\"NotFound\"")) {
      ++calls;
    }
  }
  EXPECT_EQ(calls, 20) << log;
}

TEST_F(HardeningTest, LogLinesAreBoundedAndEscaped) {
  StartBoth();
  auto conventions = cv1::ConventionService::NewStub(convention_->Channel());
  const std::string forged = "x\n2026-01-01T00:00:00.000Z call method=/forged code=0 " +
                             std::string(500000, 'y');
  for (bool authenticated : {false, true}) {
    grpc::ClientContext ctx;
    if (authenticated) principals_.Authorize(ctx, TestPrincipals::kRectorat);
    cv1::CancelConventionRequest req;
    req.set_name("conventions/30227-2021");
    req.set_request_id(forged);
    cv1::Convention out;
    EXPECT_FALSE(conventions->CancelConvention(&ctx, req, &out).ok());
  }
  convention_->Stop();  // flushes the log
  const std::string log = ReadAll(convention_->log_path());
  EXPECT_THAT(log, Not(HasSubstr("\n2026-01-01T00:00:00.000Z call method=/forged")));
  EXPECT_LT(log.size(), 20000u);
  // One JSON object per line: the forged newline is escaped inside its field.
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(line, "{\"time\":\"") && absl::EndsWith(line, "}")) << line;
  }
  EXPECT_THAT(log, HasSubstr("\"request_id\":\"'x\\\\x0a2026"));
  // Each call names its caller (never the token) and its peer.
  EXPECT_THAT(log, HasSubstr("\"code\":\"Unauthenticated\",\"latency_ms\""));
  EXPECT_THAT(log, HasSubstr("\"principal\":\"-\""));
  EXPECT_THAT(log, HasSubstr("\"principal\":\"" + std::string(TestPrincipals::kRectorat) + "\""));
  EXPECT_THAT(log, HasSubstr("\"peer\":\"ipv4:127.0.0.1:"));
  EXPECT_THAT(log, Not(HasSubstr(principals_.Token(TestPrincipals::kRectorat))));
}

TEST_F(HardeningTest, OnlyRectoratAndSupportMoveASimulatedClock) {
  StartBoth();
  for (auto* process : {convention_.get(), billing_.get()}) {
    auto clock = tv1::ClockService::NewStub(process->Channel());
    for (const char* who : {TestPrincipals::kPortal30227, TestPrincipals::kFinance,
                            TestPrincipals::kInternal, TestPrincipals::kRectorat,
                            TestPrincipals::kSupport}) {
      const bool may = std::string(who) == TestPrincipals::kRectorat ||
                       std::string(who) == TestPrincipals::kSupport;
      tv1::GetTimeResponse before;
      {
        grpc::ClientContext ctx;
        principals_.Authorize(ctx, who);
        ASSERT_TRUE(clock->GetTime(&ctx, tv1::GetTimeRequest(), &before).ok()) << who;
      }
      grpc::ClientContext ctx;
      principals_.Authorize(ctx, who);
      tv1::AdvanceClockRequest advance;
      advance.mutable_duration()->set_seconds(3600);
      tv1::GetTimeResponse out;
      grpc::Status st = clock->AdvanceClock(&ctx, advance, &out);
      EXPECT_EQ(st.error_code(), may ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED)
          << who;
      grpc::ClientContext set_ctx;
      principals_.Authorize(set_ctx, who);
      tv1::SetTimeRequest set;
      set.mutable_time()->set_seconds(before.now().seconds() + 7 * 86400);
      st = clock->SetTime(&set_ctx, set, &out);
      EXPECT_EQ(st.error_code(), may ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED)
          << who;
      tv1::GetTimeResponse after;
      grpc::ClientContext get_ctx;
      principals_.Authorize(get_ctx, who);
      ASSERT_TRUE(clock->GetTime(&get_ctx, tv1::GetTimeRequest(), &after).ok());
      if (!may) {
        EXPECT_EQ(after.now().seconds(), before.now().seconds()) << who;
      }
    }
  }
}

}  // namespace
}  // namespace ent
