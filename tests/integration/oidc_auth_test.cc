// People and services signed in through a real OpenID provider (the npm
// package oidc-provider, started by the test on loopback) calling the real
// ent-convention-service and ent-billing-service: client credentials for a
// rectorat service, support, finance and commune agents approving a device
// code on the provider's pages, each act recorded with the person's name;
// key rotation without a restart; forged and wrong tokens refused with
// nothing written.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/http/http_client.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "tests/support/billing_requests.h"
#include "tests/support/communes.h"
#include "tests/support/oidc_dev_provider.h"
#include "tests/support/pdf_tools.h"
#include "tests/support/proto_dates.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent::convention {
namespace {

namespace v1 = ::ent::convention::v1;
namespace bv1 = ::ent::billing::v1;
using testing::Date;
using testing::OidcDevProvider;
using testing::TestPrincipals;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string NextId() {
  static std::atomic<int> n{0};
  return "oidc-" + std::to_string(++n);
}

std::unique_ptr<grpc::ClientContext> WithToken(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

class OidcAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto provider = OidcDevProvider::Start();
    ASSERT_TRUE(provider.ok()) << provider.status();
    provider_ = std::move(*provider);
    // Keys read again every 2 s and on an unknown key at most every second,
    // one second of leeway: rotation and expiry show within the test.
    principals_.SetExtra(provider_->PrincipalsEntry(
        "  leeway_seconds: 1\n  jwks_refresh_seconds: 2\n  jwks_min_refresh_seconds: 1\n"));
    service_ = std::make_unique<testing::ServiceProcess>(
        testing::BinaryPath("convention-service/ent-convention-service"), dir_.path(),
        std::vector<std::string>{"--principals=" + principals_.path(),
                                 "--clock=simulated:2022-08-26T10:00:00+02:00"});
    ASSERT_TRUE(service_->Start().ok());
    stub_ = v1::ConventionService::NewStub(service_->Channel());
  }

  std::string RectoratToken() {
    auto token = provider_->ClientCredentials("sirh-rectorat", "dev-sirh-rectorat-secret");
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }

  std::string SignIn(const std::string& login, const std::string& password) {
    auto token = provider_->SignIn(login, password);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }

  // A convention of `insee` signed by both parties (ACTIVE), by `token`.
  std::string Active(const std::string& token, const std::string& insee) {
    v1::CreateConventionRequest create = demo::SaintAmbroixCreate();
    create.set_convention_id("c" + insee + "-" + NextId());
    create.set_request_id(NextId());
    testing::SetCommune(create.mutable_convention(), insee);
    v1::Convention c;
    grpc::Status st = stub_->CreateConvention(WithToken(token).get(), create, &c);
    EXPECT_TRUE(st.ok()) << st.error_message();
    for (auto party : {v1::PARTY_ROLE_ACADEMIE, v1::PARTY_ROLE_COMMUNE}) {
      v1::SignConventionRequest sign = party == v1::PARTY_ROLE_ACADEMIE
                                           ? demo::SaintAmbroixAcademieSignature()
                                           : demo::SaintAmbroixCommuneSignature();
      sign.set_name(c.name());
      sign.set_request_id(NextId());
      st = stub_->SignConvention(WithToken(token).get(), sign, &c);
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    return c.name();
  }

  std::vector<v1::ConventionEvent> History(const std::string& convention) {
    v1::ListConventionEventsRequest req;
    req.set_parent(convention);
    req.set_page_size(1000);
    v1::ListConventionEventsResponse out;
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kSupport);
    EXPECT_TRUE(stub_->ListConventionEvents(&ctx, req, &out).ok());
    return {out.events().begin(), out.events().end()};
  }

  grpc::Status OpenDispute(const std::string& token, const std::string& convention,
                           v1::Dispute* out) {
    v1::OpenDisputeRequest r;
    r.set_parent(convention);
    r.set_request_id(NextId());
    r.mutable_dispute()->set_party(v1::PARTY_ROLE_COMMUNE);
    r.mutable_dispute()->set_grievances("Comptes référent ville non activés");
    r.mutable_dispute()->set_notice_reference("LRAR 1A 234 567 8901 2");
    *r.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 8, 1);
    return stub_->OpenDispute(WithToken(token).get(), r, out);
  }

  // Conventions created so far (anything written shows here).
  int ConventionCount() {
    v1::ListConventionsRequest req;
    req.set_page_size(1000);
    v1::ListConventionsResponse out;
    grpc::ClientContext ctx;
    principals_.Authorize(ctx, TestPrincipals::kSupport);
    EXPECT_TRUE(stub_->ListConventions(&ctx, req, &out).ok());
    return out.conventions_size();
  }

  grpc::Status Create(const std::string& authorization, v1::ConventionService::Stub* stub = nullptr) {
    v1::CreateConventionRequest create = demo::SaintAmbroixCreate();
    create.set_convention_id("c30227-" + NextId());
    create.set_request_id(NextId());
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", authorization);
    v1::Convention c;
    return (stub != nullptr ? stub : stub_.get())->CreateConvention(&ctx, create, &c);
  }

  // A read with `authorization`; polled (every 100 ms) where a test waits
  // for the service to read the provider's keys again or a token to expire.
  grpc::Status Read(const std::string& authorization) {
    absl::SleepFor(absl::Milliseconds(100));
    v1::ListConventionsRequest req;
    req.set_page_size(1);
    v1::ListConventionsResponse out;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", authorization);
    return stub_->ListConventions(&ctx, req, &out);
  }

  testing::TempDir dir_;
  TestPrincipals principals_{dir_.path()};
  std::unique_ptr<OidcDevProvider> provider_;
  std::unique_ptr<testing::ServiceProcess> service_;
  std::unique_ptr<v1::ConventionService::Stub> stub_;
};

TEST_F(OidcAuthTest, ServiceWithClientCredentialsActsAsTheRectorat) {
  const std::string token = RectoratToken();
  const std::string convention = Active(token, "30227");
  const auto events = History(convention);
  ASSERT_FALSE(events.empty());
  for (const auto& e : events) EXPECT_EQ(e.actor(), "academie:sirh-rectorat");
}

TEST_F(OidcAuthTest, GoldenDisputeNamesEachPerson) {
  const std::string convention = Active(RectoratToken(), "30227");
  // Léa Roux signs in at Saint-Ambroix (SIRET 213 002 272 00016): the commune
  // sends its mise en demeure.
  const std::string lea = SignIn("lea.roux", "dev-commune");
  v1::Dispute d;
  grpc::Status st = OpenDispute(lea, convention, &d);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // Claire Martin (support) records the failed conciliation.
  const std::string claire = SignIn("claire.martin", "dev-support");
  v1::RecordConciliationRequest conciliate;
  conciliate.set_name(d.name());
  conciliate.set_request_id(NextId());
  *conciliate.mutable_conciliation()->mutable_meeting_date() = Date(2022, 8, 10);
  conciliate.mutable_conciliation()->set_outcome(v1::CONCILIATION_OUTCOME_FAILED);
  st = stub_->RecordConciliation(WithToken(claire).get(), conciliate, &d);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // The dispute names who did each act; the letters name the person.
  EXPECT_EQ(d.opened_by().display_name(), "Léa Roux");
  EXPECT_EQ(d.opened_by().email(), "secretariat@saint-ambroix.fr");
  EXPECT_EQ(d.conciliation().recorded_by().display_name(), "Claire Martin");
  EXPECT_THAT(d.conciliation().recorded_by().actor(), HasSubstr("(support staff, academie:"));
  v1::GetDisputeLetterRequest letter;
  letter.set_name(d.name());
  letter.set_kind(v1::DISPUTE_LETTER_KIND_NOTICE);
  ent::document::v1::Document pdf;
  st = stub_->GetDisputeLetter(WithToken(claire).get(), letter, &pdf);
  ASSERT_TRUE(st.ok()) << st.error_message();
  auto text = testing::PdfText(pdf.content());
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("Affaire suivie par"));
  EXPECT_THAT(*text, HasSubstr("Léa Roux (secretariat@saint-ambroix.fr)"));
  letter.set_kind(v1::DISPUTE_LETTER_KIND_CONCILIATION_RECORD);
  st = stub_->GetDisputeLetter(WithToken(claire).get(), letter, &pdf);
  ASSERT_TRUE(st.ok()) << st.error_message();
  text = testing::PdfText(pdf.content());
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("Claire Martin (claire.martin@ac-montpellier.fr)"));

  // Léa sends the termination letter for the commune.
  v1::SendTerminationNoticeRequest terminate;
  terminate.set_name(d.name());
  terminate.set_request_id(NextId());
  terminate.mutable_termination()->set_party(v1::PARTY_ROLE_COMMUNE);
  terminate.mutable_termination()->set_reasons("Engagements réciproques non respectés");
  terminate.mutable_termination()->set_letter_reference("LRAR 1A 234 567 8902 9");
  *terminate.mutable_termination()->mutable_sent_date() = Date(2022, 8, 12);
  st = stub_->SendTerminationNotice(WithToken(lea).get(), terminate, &d);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(d.termination().sent_by().display_name(), "Léa Roux");
  letter.set_kind(v1::DISPUTE_LETTER_KIND_TERMINATION);
  st = stub_->GetDisputeLetter(WithToken(claire).get(), letter, &pdf);
  ASSERT_TRUE(st.ok()) << st.error_message();
  text = testing::PdfText(pdf.content());
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("Léa Roux (secretariat@saint-ambroix.fr)"));

  std::vector<std::string> actors;
  for (const auto& e : History(convention)) actors.push_back(e.actor());
  EXPECT_THAT(actors, ::testing::Contains(
                          "Léa Roux <secretariat@saint-ambroix.fr> (commune portal, "
                          "academie:c9d8e7f6-commune-lea-roux)"));
  EXPECT_THAT(actors, ::testing::Contains(
                          "Claire Martin <claire.martin@ac-montpellier.fr> (support staff, "
                          "academie:a3f1c2d4-support-claire-martin)"));
}

TEST_F(OidcAuthTest, CommuneAgentActsOnlyForTheCommuneOfItsSiret) {
  const std::string rectorat = RectoratToken();
  const std::string ales = Active(rectorat, "30007");
  const std::string lea = SignIn("lea.roux", "dev-commune");
  v1::Dispute d;
  grpc::Status st = OpenDispute(lea, ales, &d);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  v1::GetConventionRequest get;
  get.set_name(ales);
  v1::Convention c;
  EXPECT_EQ(stub_->GetConvention(WithToken(lea).get(), get, &c).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  get.set_name(Active(rectorat, "30227"));
  st = stub_->GetConvention(WithToken(lea).get(), get, &c);
  EXPECT_TRUE(st.ok()) << st.error_message();
}

TEST_F(OidcAuthTest, APortalForwardingItsUsersTokenActsForThatUser) {
  const std::string convention = Active(RectoratToken(), "30227");
  const std::string lea = SignIn("lea.roux", "dev-commune");
  auto as_portal = [&](const std::string& portal) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    principals_.Authorize(*ctx, portal);
    ctx->AddMetadata("x-ent-user-authorization", "Bearer " + lea);
    return ctx;
  };
  v1::OpenDisputeRequest open;
  open.set_parent(convention);
  open.set_request_id(NextId());
  open.mutable_dispute()->set_party(v1::PARTY_ROLE_COMMUNE);
  open.mutable_dispute()->set_grievances("Comptes non activés");
  open.mutable_dispute()->set_notice_reference("LRAR 1A 234 567 8901 2");
  *open.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 8, 1);
  v1::Dispute d;
  grpc::Status st = stub_->OpenDispute(as_portal(TestPrincipals::kPortal30227).get(), open, &d);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_THAT(d.opened_by().actor(), HasSubstr("Léa Roux"));
  EXPECT_THAT(d.opened_by().actor(), HasSubstr(" via portal-saint-ambroix"));
  // Montpellier's portal may not act for Saint-Ambroix's agent.
  v1::GetConventionRequest get;
  get.set_name(convention);
  v1::Convention c;
  st = stub_->GetConvention(as_portal(TestPrincipals::kPortal34172).get(), get, &c);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(st.error_message(), HasSubstr("acts for no commune of principal 'portal-montpellier'"));
  // Only a portal forwards a user's token.
  st = stub_->GetConvention(as_portal(TestPrincipals::kSupport).get(), get, &c);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(OidcAuthTest, PersonWithoutRoleIsRefused) {
  const std::string marc = SignIn("marc.petit", "dev-nobody");
  grpc::Status st = Create("Bearer " + marc);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(st.error_message(), HasSubstr("Marc Petit"));
  EXPECT_THAT(st.error_message(), HasSubstr("no role"));
}

TEST_F(OidcAuthTest, FinanceAgentReadsConventionsAndBillingButCannotCreate) {
  const std::string paul = SignIn("paul.durand", "dev-finance");
  EXPECT_EQ(Create("Bearer " + paul).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListConventionsRequest list;
  v1::ListConventionsResponse out;
  EXPECT_TRUE(stub_->ListConventions(WithToken(paul).get(), list, &out).ok());

  testing::TempDir billing_dir;
  testing::ServiceProcess billing(testing::BinaryPath("billing-service/ent-billing-service"),
                                  billing_dir.path(), {"--principals=" + principals_.path(),
                                                      "--clock=simulated:2021-11-20T10:00:00+01:00"});
  ASSERT_TRUE(billing.Start().ok());
  auto billing_stub = bv1::BillingService::NewStub(billing.Channel());
  bv1::ListTitresRequest titres;
  bv1::ListTitresResponse none;
  grpc::Status st = billing_stub->ListTitres(WithToken(paul).get(), titres, &none);
  EXPECT_TRUE(st.ok()) << st.error_message();
  // Paul issues a titre and records a payment: both name him, and so does the PDF.
  bv1::Tariff tariff;
  st = billing_stub->SetTariff(WithToken(paul).get(), testing::Tariff2021Request(), &tariff);
  ASSERT_TRUE(st.ok()) << st.error_message();
  bv1::NotifyConventionChangeRequest notice;
  notice.set_topic("convention.activated");
  notice.set_idempotency_key("conventions/c30227/activated");
  notice.set_payload(testing::ActivatedPayload("conventions/c30227", "30227"));
  bv1::NotifyConventionChangeResponse applied;
  grpc::ClientContext internal;
  principals_.Authorize(internal, TestPrincipals::kInternal);
  ASSERT_TRUE(billing_stub->NotifyConventionChange(&internal, notice, &applied).ok());
  bv1::IssueTitreRequest issue;
  issue.set_convention("conventions/c30227");
  issue.set_school_year("2021-2022");
  issue.set_request_id(NextId());
  bv1::Titre titre;
  st = billing_stub->IssueTitre(WithToken(paul).get(), issue, &titre);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(titre.issued_by().display_name(), "Paul Durand");
  EXPECT_THAT(titre.issued_by().actor(), HasSubstr("(finance, academie:b7e2d9a1-finance-paul-durand)"));
  bv1::RecordPaymentRequest pay;
  pay.set_titre(titre.name());
  pay.set_request_id(NextId());
  pay.mutable_payment()->set_amount_cents(2000);
  *pay.mutable_payment()->mutable_received_date() = Date(2021, 11, 20);
  pay.mutable_payment()->set_reference("VIR 2021-11-20");
  bv1::Payment payment;
  st = billing_stub->RecordPayment(WithToken(paul).get(), pay, &payment);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(payment.recorded_by().email(), "paul.durand@ac-montpellier.fr");
  bv1::GetTitreDocumentRequest print;
  print.set_name(titre.name());
  ent::document::v1::Document pdf;
  st = billing_stub->GetTitreDocument(WithToken(paul).get(), print, &pdf);
  ASSERT_TRUE(st.ok()) << st.error_message();
  auto text = testing::PdfText(pdf.content());
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("Paul Durand (paul.durand@ac-montpellier.fr)"));

  const std::string claire = SignIn("claire.martin", "dev-support");
  bv1::RunBillingCampaignRequest campaign;
  campaign.set_school_year("2021-2022");
  campaign.set_request_id(NextId());
  bv1::RunBillingCampaignResponse report;
  EXPECT_EQ(billing_stub->RunBillingCampaign(WithToken(claire).get(), campaign, &report).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(OidcAuthTest, KeyRotationNeedsNoRestart) {
  const std::string before = RectoratToken();
  ASSERT_TRUE(Create("Bearer " + before).ok());
  ASSERT_TRUE(provider_->RotateKeys().ok());
  const std::string after = RectoratToken();
  ASSERT_NE(before, after);
  // The new key is read once a token names it (at most once a second).
  grpc::Status st;
  for (absl::Time end = absl::Now() + absl::Seconds(15); absl::Now() < end;) {
    st = Read("Bearer " + after);
    if (st.ok()) break;
  }
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(Create("Bearer " + after).ok());
  EXPECT_TRUE(Create("Bearer " + before).ok()) << "the old key is still published";
  // Retired: the old key's tokens are refused at the next reading of the keys.
  ASSERT_TRUE(provider_->RetireOldKeys().ok());
  for (absl::Time end = absl::Now() + absl::Seconds(15); absl::Now() < end;) {
    st = Read("Bearer " + before);
    if (!st.ok()) break;
  }
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(st.error_message(), HasSubstr("key this service does not know"));
  EXPECT_TRUE(Create("Bearer " + after).ok());
}

// A JWS of `header` and `payload` (JSON) with `signature` (base64url).
std::string Compact(const std::string& header, const std::string& payload,
                    const std::string& signature = "") {
  return absl::StrCat(absl::WebSafeBase64Escape(header), ".", absl::WebSafeBase64Escape(payload),
                      ".", signature);
}

nlohmann::json Part(const std::string& token, int i) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  absl::WebSafeBase64Unescape(parts.at(i), &json);
  return nlohmann::json::parse(json);
}

TEST_F(OidcAuthTest, ForgedAndWrongTokensAreRefusedAndWriteNothing) {
  const std::string real = RectoratToken();
  ASSERT_TRUE(Create("Bearer " + real).ok());
  const int count = ConventionCount();
  const std::vector<std::string> parts = absl::StrSplit(real, '.');
  const nlohmann::json header = Part(real, 0);
  const nlohmann::json payload = Part(real, 1);

  struct Case {
    std::string what;
    std::string authorization;
    std::string reason;  // expected in the message, when UNAUTHENTICATED
  };
  std::vector<Case> cases;
  {
    nlohmann::json h = header;
    h["alg"] = "none";
    cases.push_back({"alg none", "Bearer " + Compact(h.dump(), payload.dump()), "signature"});
  }
  {
    // HS256 keyed with the provider's public key, as published.
    HttpClient http;
    auto jwks = http.Get(provider_->issuer() + "/jwks");
    ASSERT_TRUE(jwks.ok());
    nlohmann::json h = header;
    h["alg"] = "HS256";
    const std::string input = Compact(h.dump(), payload.dump());
    unsigned int n = 0;
    unsigned char mac[64];
    const std::string key = nlohmann::json::parse(jwks->body)["keys"][0].dump();
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size() - 0, mac, &n);
    cases.push_back({"HS256 with the public key",
                     "Bearer " + input + absl::WebSafeBase64Escape(std::string(
                                             reinterpret_cast<const char*>(mac), n)),
                     "signature"});
  }
  {
    nlohmann::json p = payload;
    p["iss"] = "https://idp.example.org";
    cases.push_back({"wrong iss", "Bearer " + Compact(header.dump(), p.dump(), parts[2]),
                     "issuer is not trusted"});
  }
  {
    nlohmann::json p = payload;
    p["aud"] = "https://another-service.example.org";
    cases.push_back({"wrong aud (re-signed nowhere)", "Bearer " + Compact(header.dump(), p.dump(), parts[2]),
                     "signature"});
  }
  {
    nlohmann::json p = payload;
    p["exp"] = 1000000000;
    cases.push_back({"exp moved", "Bearer " + Compact(header.dump(), p.dump(), parts[2]), "signature"});
  }
  {
    nlohmann::json h = header;
    h["kid"] = "no-such-key";
    cases.push_back({"unknown kid", "Bearer " + Compact(h.dump(), payload.dump(), parts[2]),
                     "key this service does not know"});
  }
  {
    auto other = OidcDevProvider::Start();
    ASSERT_TRUE(other.ok());
    auto foreign = (*other)->ClientCredentials("sirh-rectorat", "dev-sirh-rectorat-secret");
    ASSERT_TRUE(foreign.ok());
    cases.push_back({"another provider's token", "Bearer " + *foreign, "issuer is not trusted"});
  }
  {
    // The ID token of a real sign-in: right issuer and key, meant for entctl.
    HttpClient http;
    auto start = http.PostForm(provider_->issuer() + "/device/auth",
                               {{"client_id", "entctl"}, {"scope", "openid conventions"}});
    ASSERT_TRUE(start.ok());
    const auto grant = nlohmann::json::parse(start->body);
    ASSERT_TRUE(provider_->ApproveDevice(grant["verification_uri_complete"], "claire.martin",
                                         "dev-support").ok());
    auto tokens = http.PostForm(provider_->issuer() + "/token",
                                {{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
                                 {"client_id", "entctl"},
                                 {"device_code", grant["device_code"]}});
    ASSERT_TRUE(tokens.ok());
    cases.push_back({"ID token (wrong audience)",
                     "Bearer " + nlohmann::json::parse(tokens->body).value("id_token", ""),
                     "another audience"});
  }
  cases.push_back({"garbage", "Bearer not.a.jwt", ""});
  cases.push_back({"dots", "Bearer ...", ""});
  cases.push_back({"no scheme", real, "Bearer"});
  cases.push_back({"huge", "Bearer " + std::string(1 << 20, 'A'), ""});

  for (const Case& c : cases) {
    // Its own connection each (gRPC shares connections between channels
    // unless told not to): a header too large for gRPC closes the connection.
    grpc::ChannelArguments own;
    own.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub = v1::ConventionService::NewStub(grpc::CreateCustomChannel(
        service_->address(), grpc::InsecureChannelCredentials(), own));
    grpc::Status st = Create(c.authorization, stub.get());
    EXPECT_FALSE(st.ok()) << c.what;
    if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      EXPECT_THAT(st.error_message(), HasSubstr(c.reason)) << c.what;
      EXPECT_THAT(st.error_message(), ::testing::Not(HasSubstr(parts[2].substr(0, 20)))) << c.what;
    } else {
      // Only the 1 MB header may fail before the service sees it.
      EXPECT_EQ(c.what, "huge") << st.error_code() << " " << st.error_message();
    }
  }
  EXPECT_EQ(ConventionCount(), count);
}

TEST_F(OidcAuthTest, ExpiredTokenIsRefusedWithTheReason) {
  auto token = provider_->ClientCredentials("short-lived", "dev-short-lived-secret");
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(Create("Bearer " + *token).ok());
  grpc::Status st;
  // Two seconds of life and one of leeway.
  for (absl::Time end = absl::Now() + absl::Seconds(15); absl::Now() < end;) {
    st = Read("Bearer " + *token);
    if (!st.ok()) break;
  }
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(st.error_message(), AllOf(HasSubstr("expired"), HasSubstr("sign in again")));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// entctl as a person uses it: its own session file, the service's address.
struct EntctlRun {
  int code = -1;
  std::string output;
};

class EntctlLoginTest : public OidcAuthTest {
 protected:
  std::string Env() const {
    return "ENTCTL_SESSION=" + session_ + " ENT_CONVENTION_ENDPOINT=" + service_->address() +
           " ENT_ISSUER=" + provider_->issuer() + " HOME=" + home_.path();
  }
  EntctlRun Entctl(const std::string& command) const {
    const std::string line = Env() + " " + testing::BinaryPath("entctl/entctl") + " " + command + " 2>&1";
    EntctlRun r;
    FILE* p = popen(line.c_str(), "r");
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), p)) > 0) r.output.append(buffer, n);
    r.code = WEXITSTATUS(pclose(p));
    return r;
  }
  // `entctl login` as a child; the test plays the person at the browser.
  EntctlRun Login(const std::string& login, const std::string& password) {
    const std::string out = home_.path() + "/login.out";
    const pid_t pid = fork();
    if (pid == 0) {
      const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      setenv("ENTCTL_SESSION", session_.c_str(), 1);
      setenv("HOME", home_.path().c_str(), 1);
      const std::string issuer = "--issuer=" + provider_->issuer();
      const std::string binary = testing::BinaryPath("entctl/entctl");
      execl(binary.c_str(), binary.c_str(), "login", issuer.c_str(),
            "--scope=openid offline_access conventions", static_cast<char*>(nullptr));
      _exit(127);
    }
    std::string url;
    for (absl::Time end = absl::Now() + absl::Seconds(20); url.empty() && absl::Now() < end;) {
      absl::SleepFor(absl::Milliseconds(50));  // polls the child's output
      const std::string text = ReadAll(out);
      const size_t at = text.find("To sign in, open ");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        url = text.substr(at + 17, text.find('\n', at) - at - 17);
      }
    }
    EXPECT_FALSE(url.empty()) << ReadAll(out);
    absl::Status approved = provider_->ApproveDevice(url, login, password);
    EXPECT_TRUE(approved.ok()) << approved;
    int status = 0;
    waitpid(pid, &status, 0);
    return {WEXITSTATUS(status), ReadAll(out)};
  }
  testing::TempDir home_;
  std::string session_ = home_.path() + "/config/entctl/session.json";
};

TEST_F(EntctlLoginTest, APersonSignsInWithTheDeviceCodeAndActsAsThemselves) {
  const EntctlRun login = Login("claire.martin", "dev-support");
  ASSERT_EQ(login.code, 0) << login.output;
  struct stat st;
  ASSERT_EQ(stat(session_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const nlohmann::json session = nlohmann::json::parse(ReadAll(session_));
  const std::string access_token = session.value("access_token", "");
  const std::string refresh = session.value("refresh_token", "");
  ASSERT_FALSE(access_token.empty());
  ASSERT_FALSE(refresh.empty());
  EXPECT_EQ(login.output.find(access_token), std::string::npos) << "the token was printed";
  EXPECT_EQ(login.output.find(refresh), std::string::npos) << "the refresh token was printed";

  EntctlRun who = Entctl("whoami");
  EXPECT_EQ(who.code, 0) << who.output;
  EXPECT_THAT(who.output, HasSubstr("Claire Martin <claire.martin@ac-montpellier.fr> (support staff"));
  EXPECT_THAT(who.output, HasSubstr("SUPPORT_STAFF"));
  EXPECT_THAT(who.output, HasSubstr("entctl login session"));
  EXPECT_EQ(who.output.find(access_token), std::string::npos);

  // An expired access token is renewed silently with the refresh token.
  nlohmann::json stale = session;
  stale["expires_at"] = 0;
  std::ofstream(session_) << stale.dump();
  who = Entctl("--output json whoami");
  EXPECT_EQ(who.code, 0) << who.output;
  EXPECT_THAT(who.output, HasSubstr("claire.martin@ac-montpellier.fr"));
  const nlohmann::json renewed = nlohmann::json::parse(ReadAll(session_));
  EXPECT_NE(renewed.value("access_token", ""), access_token);
  ASSERT_EQ(stat(session_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  const EntctlRun out = Entctl("logout");
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(access(session_.c_str(), F_OK), 0);
  who = Entctl("whoami");
  EXPECT_NE(who.code, 0);
  EXPECT_THAT(who.output, HasSubstr("missing credentials"));
}

}  // namespace
}  // namespace ent::convention
