// OidcProvider and the token side of PrincipalDirectory, against keys made
// here with libcjose and a JWKS served by an injected fetch: the forged and
// edge cases a real provider never issues (alg none, HMAC keyed with the
// public key, not yet valid, unknown keys, removed keys) and the claim
// mappings (roles, SIRET → commune, a portal's forwarded user).
#include "common/auth/oidc_provider.h"

#include <cjose/cjose.h>
#include <jansson.h>

#include <fstream>
#include <map>
#include <sstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/auth/oidc_discovery.h"
#include "common/auth/principal_directory.h"
#include "common/grpc/request_fingerprint.h"
#include "common/registry/commune_registry.h"

namespace ent {
namespace {

constexpr char kIssuer[] = "https://idp.ac-montpellier.fr";
constexpr char kAudience[] = "https://ent-conventions.ac-montpellier.fr";

// A signing key of the test's own.
class TestKey {
 public:
  explicit TestKey(std::string kid, bool ec = false) : kid_(std::move(kid)) {
    cjose_err err;
    static const uint8_t e[] = {0x01, 0x00, 0x01};
    jwk_ = ec ? cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err)
              : cjose_jwk_create_RSA_random(2048, e, sizeof(e), &err);
    cjose_jwk_set_kid(jwk_, kid_.data(), kid_.size(), &err);
  }
  ~TestKey() { cjose_jwk_release(jwk_); }
  // The public key as a JWK.
  std::string PublicJson() const {
    cjose_err err;
    char* json = cjose_jwk_to_json(jwk_, false, &err);
    std::string out = json;
    free(json);
    return out;
  }
  std::string Sign(const std::string& payload, const std::string& alg = "RS256") const {
    return SignWith(jwk_, kid_, payload, alg);
  }
  static std::string SignWith(const cjose_jwk_t* jwk, const std::string& kid,
                              const std::string& payload, const std::string& alg) {
    cjose_err err;
    cjose_header_t* header = cjose_header_new(&err);
    cjose_header_set(header, CJOSE_HDR_ALG, alg.c_str(), &err);
    cjose_header_set(header, CJOSE_HDR_KID, kid.c_str(), &err);
    cjose_jws_t* jws = cjose_jws_sign(jwk, header,
                                      reinterpret_cast<const uint8_t*>(payload.data()),
                                      payload.size(), &err);
    EXPECT_NE(jws, nullptr) << (err.message ? err.message : "");
    const char* compact = nullptr;
    cjose_jws_export(jws, &compact, &err);
    std::string out = compact;
    cjose_jws_release(jws);
    cjose_header_release(header);
    return out;
  }
  const std::string& kid() const { return kid_; }

 private:
  std::string kid_;
  cjose_jwk_t* jwk_;
};

// What the provider publishes, and how often it was asked.
struct FakeIdp {
  std::map<std::string, std::string> documents;
  std::map<std::string, int> reads;
  void Publish(const std::vector<const TestKey*>& keys) {
    std::string list;
    for (const TestKey* k : keys) {
      if (!list.empty()) list += ",";
      list += k->PublicJson();
    }
    documents[absl::StrCat(kIssuer, "/.well-known/openid-configuration")] =
        absl::StrCat(R"({"issuer":")", kIssuer, R"(","jwks_uri":")", kIssuer, R"(/jwks"})");
    documents[absl::StrCat(kIssuer, "/jwks")] = absl::StrCat(R"({"keys":[)", list, "]}");
  }
  OidcProvider::Fetch Fetch() {
    return [this](const std::string& url) -> absl::StatusOr<std::string> {
      ++reads[url];
      auto it = documents.find(url);
      if (it == documents.end()) return absl::UnavailableError(url + ": connection refused");
      return it->second;
    };
  }
  int jwks_reads() { return reads[absl::StrCat(kIssuer, "/jwks")]; }
};

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::string Claims(const std::string& extra = "", int64_t exp_in = 600) {
  return absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
                      R"(","sub":"agent-1","exp":)", absl::ToUnixSeconds(kNow) + exp_in,
                      R"(,"name":"Claire Martin","email":"claire.martin@ac-montpellier.fr","groups":["ent-support"])",
                      extra, "}");
}

std::string ProviderText(const std::string& extra = "", bool siret = true) {
  return absl::StrCat(R"(identity_providers {
  name: "academie" issuer: ")", kIssuer, R"(" audiences: ")", kAudience, R"("
  roles { claim: "groups" value: "ent-support" role: ROLE_SUPPORT_STAFF }
  roles { claim: "groups" value: "agents-communes" role: ROLE_COMMUNE_PORTAL }
  roles { claim: "groups" value: "ent-finance" role: ROLE_FINANCE }
  )", siret ? "siret_claim: \"siret\"\n  " : "", extra, "}\n");
}

class OidcProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    idp_.Publish({&key_});
    auth::v1::IdentityProvider config;
    config.set_name("academie");
    config.set_issuer(kIssuer);
    config.add_audiences(kAudience);
    auto* rule = config.add_roles();
    rule->set_claim("groups");
    rule->set_value("ent-support");
    rule->set_role(auth::v1::ROLE_SUPPORT_STAFF);
    config.set_jwks_min_refresh_seconds(30);
    config.set_jwks_refresh_seconds(3600);
    auto p = OidcProvider::Create(config, "test", Deps());
    ASSERT_TRUE(p.ok()) << p.status();
    provider_ = std::move(*p);
  }
  OidcProvider::Dependencies Deps() {
    return {idp_.Fetch(), [this] { return now_; }};
  }
  absl::Status Verify(const std::string& token, std::string* detail = nullptr) {
    return provider_->Verify(token, detail).status();
  }

  FakeIdp idp_;
  TestKey key_{"key-1"};
  absl::Time now_ = kNow;
  std::unique_ptr<OidcProvider> provider_;
};

TEST_F(OidcProviderTest, AcceptsAValidTokenAndReadsItsClaims) {
  auto claims = provider_->Verify(key_.Sign(Claims()), nullptr);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "agent-1");
  EXPECT_TRUE(claims->Has("groups", "ent-support"));
  EXPECT_EQ(claims->First("email"), "claire.martin@ac-montpellier.fr");
  EXPECT_EQ(claims->expires, kNow + absl::Seconds(600));
}

TEST_F(OidcProviderTest, RefusesAlgNone) {
  const std::string signed_token = key_.Sign(Claims());
  const std::string payload = signed_token.substr(signed_token.find('.') + 1,
                                                  signed_token.rfind('.') - signed_token.find('.') - 1);
  const std::string none = absl::StrCat("eyJhbGciOiJub25lIiwia2lkIjoia2V5LTEifQ.", payload, ".");
  std::string detail;
  absl::Status st = Verify(none, &detail);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(detail.empty());
}

TEST_F(OidcProviderTest, RefusesHmacKeyedWithThePublicKey) {
  const std::string public_json = key_.PublicJson();
  cjose_err err;
  cjose_jwk_t* oct = cjose_jwk_create_oct_spec(
      reinterpret_cast<const uint8_t*>(public_json.data()), public_json.size(), &err);
  const std::string forged = TestKey::SignWith(oct, "key-1", Claims(), "HS256");
  cjose_jwk_release(oct);
  std::string detail;
  EXPECT_EQ(Verify(forged, &detail).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(detail, "algorithm 'HS256' not accepted");
}

TEST_F(OidcProviderTest, RefusesAnAlgorithmOutsideTheAllowListOrOfAnotherKeyType) {
  std::string detail;
  EXPECT_EQ(Verify(key_.Sign(Claims(), "RS384"), &detail).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(detail, "algorithm 'RS384' not accepted");
  TestKey ec("key-1", /*ec=*/true);  // same kid, EC key: ES256 against the RSA key
  EXPECT_EQ(Verify(ec.Sign(Claims(), "ES256"), &detail).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(detail.find("does not fit key"), std::string::npos) << detail;
}

TEST_F(OidcProviderTest, RefusesATamperedPayload) {
  const std::string token = key_.Sign(Claims());
  const std::string other = key_.Sign(Claims(R"(,"groups2":"x")"));
  const std::string spliced = token.substr(0, token.find('.')) +
                              other.substr(other.find('.'), other.rfind('.') - other.find('.')) +
                              token.substr(token.rfind('.'));
  std::string detail;
  EXPECT_EQ(Verify(spliced, &detail).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(detail, "bad signature for key 'key-1'");
}

TEST_F(OidcProviderTest, ChecksIssuerAudienceExpiryAndNotBeforeWithTheLeeway) {
  const std::string wrong_iss = absl::StrReplaceAll(Claims(), {{kIssuer, "https://evil.example"}});
  EXPECT_EQ(Verify(key_.Sign(wrong_iss)).code(), absl::StatusCode::kUnauthenticated);
  const std::string wrong_aud = absl::StrReplaceAll(Claims(), {{kAudience, "https://other"}});
  absl::Status st = Verify(key_.Sign(wrong_aud));
  EXPECT_NE(st.message().find("another audience"), absl::string_view::npos) << st;
  EXPECT_TRUE(Verify(key_.Sign(Claims("", -59))).ok()) << "within the 60 s leeway";
  st = Verify(key_.Sign(Claims("", -61)));
  EXPECT_NE(st.message().find("expired"), absl::string_view::npos) << st;
  st = Verify(key_.Sign(Claims(absl::StrCat(R"(,"nbf":)", absl::ToUnixSeconds(kNow) + 120))));
  EXPECT_NE(st.message().find("not valid yet"), absl::string_view::npos) << st;
  EXPECT_TRUE(Verify(key_.Sign(Claims(absl::StrCat(R"(,"nbf":)", absl::ToUnixSeconds(kNow) + 30)))).ok());
  const std::string no_exp = absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience, R"(","sub":"a"})");
  EXPECT_EQ(Verify(key_.Sign(no_exp)).code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(OidcProviderTest, AVerifiedTokenStillExpires) {
  const std::string token = key_.Sign(Claims("", 10));
  ASSERT_TRUE(Verify(token).ok());
  now_ += absl::Seconds(71);
  EXPECT_NE(Verify(token).message().find("expired"), absl::string_view::npos);
}

TEST_F(OidcProviderTest, UnknownKeyReadsTheKeysAtMostOncePerInterval) {
  ASSERT_TRUE(Verify(key_.Sign(Claims())).ok());
  EXPECT_EQ(idp_.jwks_reads(), 1);
  now_ += absl::Seconds(31);
  TestKey stranger("key-unpublished");
  for (int i = 0; i < 5; ++i) {
    std::string detail;
    EXPECT_EQ(Verify(stranger.Sign(Claims()), &detail).code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(detail, "unknown key id 'key-unpublished'");
  }
  EXPECT_EQ(idp_.jwks_reads(), 2) << "one read for five made-up key ids";
}

TEST_F(OidcProviderTest, RotatedKeyIsReadWithoutARestartAndARemovedKeyIsForgotten) {
  const std::string old_token = key_.Sign(Claims());
  ASSERT_TRUE(Verify(old_token).ok());
  TestKey next("key-2");
  idp_.Publish({&next, &key_});
  now_ += absl::Seconds(31);
  EXPECT_TRUE(Verify(next.Sign(Claims())).ok());
  EXPECT_TRUE(Verify(old_token).ok());
  idp_.Publish({&next});
  now_ += absl::Seconds(3601);  // the scheduled reading
  EXPECT_EQ(Verify(old_token).code(), absl::StatusCode::kUnauthenticated)
      << "the verified-token memory must not outlive the key";
  EXPECT_TRUE(Verify(next.Sign(Claims("", 5000))).ok());
}

TEST_F(OidcProviderTest, AnUnreachableProviderGetsAClearReason) {
  idp_.documents.clear();
  std::string detail;
  absl::Status st = Verify(key_.Sign(Claims()), &detail);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(st.message().find("cannot be reached"), absl::string_view::npos) << st;
}

TEST_F(OidcProviderTest, ADiscoveryDocumentOfAnotherIssuerIsNotTrusted) {
  idp_.documents[absl::StrCat(kIssuer, "/.well-known/openid-configuration")] =
      R"({"issuer":"https://evil.example","jwks_uri":"https://evil.example/jwks"})";
  auto read = provider_->RefreshKeys();
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(OidcProviderConfigTest, RefusesUnsafeConfigurations) {
  auto make = [](const std::string& text) {
    return PrincipalDirectory::FromText(text).status();
  };
  EXPECT_NE(make(ProviderText(R"(algorithms: "HS256")", false)).message().find("never none nor HMAC"),
            absl::string_view::npos);
  EXPECT_NE(make(ProviderText(R"(algorithms: "none")", false)).message().find("algorithms"),
            absl::string_view::npos);
  EXPECT_NE(make(absl::StrReplaceAll(ProviderText("", false), {{"https://idp", "http://idp"}}))
                .message()
                .find("issuer must be an https URL"),
            absl::string_view::npos);
  EXPECT_NE(make(ProviderText()).message().find("siret_claim needs the communes list"),
            absl::string_view::npos);
}

// PrincipalDirectory: from claims to a principal.
class TokenPrincipalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    idp_.Publish({&key_});
    communes_ = CommuneRegistry::Of(
        {{"30227", "Saint-Ambroix", "30", "213002272", 3445},
         {"30007", "Alès", "30", "213000078", 46125},
         {"34172", "Montpellier", "34", "213401722", 310240}},
        "test");
    PrincipalDirectoryOptions options;
    options.communes = communes_.get();
    options.oidc = {idp_.Fetch(), [] { return kNow; }};
    auto r = PrincipalDirectory::FromText(
        ProviderText() +
            absl::StrCat(R"(principals { name: "portail-gard" role: ROLE_COMMUNE_PORTAL token_sha256: ")",
                         Sha256Hex("portal-secret"),
                         R"(" insee_codes: "30227" insee_codes: "30007" })", "\n",
                         R"(principals { name: "sirh" role: ROLE_RECTORAT_SERVICE token_sha256: ")",
                         Sha256Hex("sirh-secret"), R"(" })", "\n",
                         R"(principals { name: "ent-convention" role: ROLE_INTERNAL_SERVICE )",
                         R"(certificates: "URI:spiffe://ac-montpellier.fr/ent-convention" })"),
        options);
    ASSERT_TRUE(r.ok()) << r.status();
    registry_ = std::move(*r);
  }
  std::string Agent(const std::string& siret) {
    return key_.Sign(absl::StrReplaceAll(
        Claims(absl::StrCat(R"(,"siret":")", siret, R"(")")),
        {{R"("ent-support")", R"("agents-communes")"}, {"Claire Martin", "Léa Roux"}}));
  }
  FakeIdp idp_;
  TestKey key_{"key-1"};
  std::unique_ptr<CommuneRegistry> communes_;
  std::unique_ptr<PrincipalDirectory> registry_;
};

TEST_F(TokenPrincipalTest, APersonIsNamedWithTheRoleTheyActIn) {
  auto p = registry_->Authenticate("Bearer " + key_.Sign(Claims()));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "academie:agent-1");
  EXPECT_EQ(p->role, Role::kSupportStaff);
  EXPECT_EQ(p->Actor(),
            "Claire Martin <claire.martin@ac-montpellier.fr> (support staff, academie:agent-1)");
  EXPECT_EQ(p->expires, kNow + absl::Seconds(600));
}

TEST_F(TokenPrincipalTest, NoMatchingRoleIsPermissionDenied) {
  auto p = registry_->Authenticate("Bearer " + key_.Sign(absl::StrReplaceAll(
                                                   Claims(), {{"ent-support", "stagiaires"}})));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(TokenPrincipalTest, ASiretGivesTheCommuneOfItsSiren) {
  auto p = registry_->Authenticate("Bearer " + Agent("21300227200016"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role, Role::kCommunePortal);
  EXPECT_EQ(p->communes, std::set<std::string>({"30227"}));
  // A SIRET of no commune (a private company's).
  EXPECT_EQ(registry_->Authenticate("Bearer " + Agent("55208131766522")).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(registry_->Authenticate("Bearer " + Agent("2130")).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(TokenPrincipalTest, APortalForwardingItsUserActsForTheUserOnTheirCommonCommunes) {
  CallCredentials c;
  c.authorization = "Bearer portal-secret";
  c.user_authorization = "Bearer " + Agent("21300227200016");
  auto p = registry_->Authenticate(c);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "academie:agent-1");
  EXPECT_EQ(p->communes, std::set<std::string>({"30227"}));
  EXPECT_EQ(p->via, "portail-gard");
  EXPECT_NE(p->Actor().find("Léa Roux"), std::string::npos);
  EXPECT_NE(p->Actor().find(" via portail-gard"), std::string::npos);

  c.user_authorization = "Bearer " + Agent("21340172200017");  // Montpellier: not the portal's
  EXPECT_EQ(registry_->Authenticate(c).status().code(), absl::StatusCode::kPermissionDenied);
  c.user_authorization = "Bearer " + key_.Sign(Claims());  // support staff, not a commune's agent
  EXPECT_EQ(registry_->Authenticate(c).status().code(), absl::StatusCode::kPermissionDenied);
  c.user_authorization = "Bearer portal-secret";  // not a JWT
  EXPECT_EQ(registry_->Authenticate(c).status().code(), absl::StatusCode::kUnauthenticated);
  c.authorization = "Bearer sirh-secret";  // only portals forward
  c.user_authorization = "Bearer " + Agent("21300227200016");
  EXPECT_EQ(registry_->Authenticate(c).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(TokenPrincipalTest, ACertificateIdentifiesItsService) {
  CallCredentials c;
  c.certificate_names = {"subject:CN=ent-convention,O=Academie de Montpellier",
                         "URI:spiffe://ac-montpellier.fr/ent-convention"};
  auto p = registry_->Authenticate(c);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "ent-convention");
  EXPECT_EQ(p->role, Role::kInternalService);
  c.certificate_names = {"subject:CN=someone-else", "DNS:other.example"};
  auto unknown = registry_->Authenticate(c);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(unknown.status().message().find("CN=someone-else"), absl::string_view::npos);
}

}  // namespace
}  // namespace ent

namespace ent {
namespace {

std::string Source(const std::string& relative) {
  std::ifstream in(std::string(ENT_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The files the README tells operators to start from are valid as shipped.
TEST(ShippedPrincipalsFiles, TheExampleAndTheDevelopmentProviderParse) {
  auto communes =
      CommuneRegistry::Load(std::string(ENT_SOURCE_DIR) + "/reference-data/communes.csv");
  ASSERT_TRUE(communes.ok()) << communes.status();
  PrincipalDirectoryOptions options;
  options.communes = communes->get();
  auto example =
      PrincipalDirectory::FromText(Source("deploy/config/principals.textproto.example"), options);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_EQ((*example)->providers().size(), 1u);
  const std::string dev = absl::StrReplaceAll(Source("deploy/config/identity-provider.dev.textproto"),
                                              {{"@ISSUER@", "http://127.0.0.1:9400"}});
  auto development = PrincipalDirectory::FromText(dev, options);
  ASSERT_TRUE(development.ok()) << development.status();
  EXPECT_EQ((*development)->providers().size(), 1u);
}

TEST(OidcDiscovery, ProvidersAreHttpsOrLoopbackHostsExactly) {
  EXPECT_TRUE(IsSecureOrLoopbackUrl("https://idp.ac-montpellier.fr/realms/ent"));
  EXPECT_TRUE(IsSecureOrLoopbackUrl("http://127.0.0.1:9400"));
  EXPECT_TRUE(IsSecureOrLoopbackUrl("http://localhost/"));
  EXPECT_TRUE(IsSecureOrLoopbackUrl("http://[::1]:8080/x"));
  EXPECT_FALSE(IsSecureOrLoopbackUrl("http://127.0.0.1.example.org/"));
  EXPECT_FALSE(IsSecureOrLoopbackUrl("http://localhost.example.org"));
  EXPECT_FALSE(IsSecureOrLoopbackUrl("http://127.0.0.1@example.org/"));
  EXPECT_FALSE(IsSecureOrLoopbackUrl("http://idp.ac-montpellier.fr"));
  EXPECT_FALSE(IsSecureOrLoopbackUrl("ftp://127.0.0.1"));
  EXPECT_FALSE(IsSecureOrLoopbackUrl("https://"));
}

}  // namespace
}  // namespace ent
