// Both services with client certificates required (the README's production
// set-up, certificates from deploy/dev-certs.sh): convention-service delivers
// its outbox to billing-service by its own certificate, no bearer secret; a
// certificate the principals file does not know is refused; a service that
// would listen in plaintext on a non-loopback address refuses to start.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "tests/support/billing_requests.h"
#include "tests/support/service_pair.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent {
namespace {

namespace cv1 = ::ent::convention::v1;
namespace bv1 = ::ent::billing::v1;
using testing::TestPrincipals;
using ::testing::HasSubstr;

constexpr char kConventionSan[] = "URI:spiffe://ent.ac-montpellier.fr/convention-service";

class MutualTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string script = std::string(ENT_SOURCE_DIR) + "/deploy/dev-certs.sh";
    ASSERT_EQ(std::system(("bash " + script + " " + certs_.path() + " >/dev/null").c_str()), 0);
    // convention-service is known to billing-service by its certificate only.
    principals_.SetExtra(absl::StrCat(
        "principals { name: \"convention-service\" role: ROLE_INTERNAL_SERVICE certificates: \"",
        kConventionSan, "\" }\n"));
  }
  std::string Cert(const std::string& file) const { return certs_.path() + "/" + file; }
  std::string Read(const std::string& file) const {
    std::ifstream in(Cert(file));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::vector<std::string> ServerFlags() const {
    return {"--principals=" + principals_.path(), "--tls-cert=" + Cert("server.pem"),
            "--tls-key=" + Cert("server.key"), "--tls-client-ca=" + Cert("ca.pem"),
            "--tls-require-client-cert"};
  }
  std::shared_ptr<grpc::Channel> Channel(const testing::ServiceProcess& service,
                                         const std::string& client) const {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = Read("ca.pem");
    tls.pem_cert_chain = Read(client + ".pem");
    tls.pem_private_key = Read(client + ".key");
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(service.port()),
                               grpc::SslCredentials(tls));
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& principal) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!principal.empty()) principals_.Authorize(*ctx, principal);
    return ctx;
  }

  testing::TempDir certs_;
  testing::TempDir billing_dir_;
  testing::TempDir conventions_dir_;
  TestPrincipals principals_{conventions_dir_.path()};
};

TEST_F(MutualTlsTest, TheOutboxDeliversByCertificateWithClientCertificatesRequired) {
  auto billing_flags = ServerFlags();
  billing_flags.push_back("--clock=simulated:2021-11-03T18:00:00+01:00");
  testing::ServiceProcess billing(testing::BinaryPath("billing-service/ent-billing-service"),
                                  billing_dir_.path(), billing_flags);
  ASSERT_TRUE(billing.Start().ok());
  auto conventions_flags = ServerFlags();
  conventions_flags.insert(conventions_flags.end(),
                           {"--clock=simulated:2021-11-03T18:00:00+01:00",
                            "--billing=127.0.0.1:" + std::to_string(billing.port()),
                            "--billing-ca=" + Cert("ca.pem"),
                            "--billing-cert-file=" + Cert("convention.pem"),
                            "--billing-key-file=" + Cert("convention.key")});
  testing::ServiceProcess conventions(testing::BinaryPath("convention-service/ent-convention-service"),
                                      conventions_dir_.path(), conventions_flags);
  ASSERT_TRUE(conventions.Start().ok());

  // A rectorat service (its token, over mutual TLS) activates a convention.
  auto conv = cv1::ConventionService::NewStub(Channel(conventions, "client"));
  cv1::Convention c;
  cv1::CreateConventionRequest create = demo::SaintAmbroixCreate();
  grpc::Status st = conv->CreateConvention(As(TestPrincipals::kRectorat).get(), create, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  for (auto sig : {demo::SaintAmbroixAcademieSignature(), demo::SaintAmbroixCommuneSignature()}) {
    sig.set_name(c.name());
    st = conv->SignConvention(As(TestPrincipals::kRectorat).get(), sig, &c);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  ASSERT_TRUE(testing::WaitOutboxDrained(*conv, principals_));
  cv1::ListOutboxMessagesRequest dead;
  dead.set_state(cv1::OutboxMessage::STATE_DEAD);
  cv1::ListOutboxMessagesResponse none;
  ASSERT_TRUE(conv->ListOutboxMessages(As(TestPrincipals::kSupport).get(), dead, &none).ok());
  EXPECT_EQ(none.messages_size(), 0);

  // billing-service knows the convention: it was told.
  auto bill = bv1::BillingService::NewStub(Channel(billing, "client"));
  bv1::Tariff tariff;
  st = bill->SetTariff(As(TestPrincipals::kFinance).get(), testing::Tariff2021Request(), &tariff);
  ASSERT_TRUE(st.ok()) << st.error_message();
  bv1::IssueTitreRequest issue;
  issue.set_convention(c.name());
  issue.set_school_year("2021-2022");
  issue.set_request_id("mtls-1");
  bv1::Titre titre;
  st = bill->IssueTitre(As(TestPrincipals::kFinance).get(), issue, &titre);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(titre.total_cents(), 10000);

  // The dev client certificate (CN=entctl-dev) is no principal: without a
  // token it is refused, by name.
  bv1::ListTitresResponse titres;
  st = bill->ListTitres(As("").get(), bv1::ListTitresRequest(), &titres);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(st.error_message(), HasSubstr("CN=entctl-dev"));
  // convention-service's certificate is the internal service, no token needed;
  // it may notify, not read titres.
  auto as_convention = bv1::BillingService::NewStub(Channel(billing, "convention"));
  st = as_convention->ListTitres(As("").get(), bv1::ListTitresRequest(), &titres);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("convention-service"));
}

TEST_F(MutualTlsTest, PlaintextOnANonLoopbackAddressIsRefusedUnlessDeliberate) {
  testing::ServiceProcess open(testing::BinaryPath("billing-service/ent-billing-service"),
                               billing_dir_.path(), {"--principals=" + principals_.path()},
                               "0.0.0.0:0");
  EXPECT_FALSE(open.Start().ok());
  testing::ServiceProcess deliberate(testing::BinaryPath("billing-service/ent-billing-service"),
                                     billing_dir_.path(),
                                     {"--principals=" + principals_.path(), "--allow-plaintext"},
                                     "0.0.0.0:0");
  EXPECT_TRUE(deliberate.Start().ok());
}

}  // namespace
}  // namespace ent
