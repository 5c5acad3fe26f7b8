#include "tests/support/test_principals.h"

#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/grpc/request_fingerprint.h"

namespace ent::testing {
namespace {

struct Spec {
  const char* name;
  const char* role;
  const char* insee;
};

constexpr Spec kSpecs[] = {
    {TestPrincipals::kRectorat, "ROLE_RECTORAT_SERVICE", nullptr},
    {TestPrincipals::kSupport, "ROLE_SUPPORT_STAFF", nullptr},
    {TestPrincipals::kFinance, "ROLE_FINANCE", nullptr},
    {TestPrincipals::kInternal, "ROLE_INTERNAL_SERVICE", nullptr},
    {TestPrincipals::kPortal30227, "ROLE_COMMUNE_PORTAL", "30227"},
    {TestPrincipals::kPortal34172, "ROLE_COMMUNE_PORTAL", "34172"},
};

}  // namespace

TestPrincipals::TestPrincipals(const std::string& dir) : path_(dir + "/principals.textproto") {
  std::random_device random;
  for (const Spec& spec : kSpecs) {
    tokens_[spec.name] = absl::StrCat("tok-", spec.name, "-", random(), random());
  }
  Write();
}

void TestPrincipals::Write(const std::set<std::string>& revoked) const {
  std::ofstream out(path_ + ".tmp", std::ios::trunc);
  for (const Spec& spec : kSpecs) {
    if (revoked.count(spec.name)) continue;
    out << "principals {\n  name: \"" << spec.name << "\"\n  role: " << spec.role
        << "\n  token_sha256: \"" << Sha256Hex(tokens_.at(spec.name)) << "\"\n";
    if (spec.insee != nullptr) out << "  insee_codes: \"" << spec.insee << "\"\n";
    out << "}\n";
  }
  out << extra_;
  out.close();
  std::rename((path_ + ".tmp").c_str(), path_.c_str());
}

void TestPrincipals::SetExtra(std::string extra) {
  extra_ = std::move(extra);
  Write();
}

void TestPrincipals::Authorize(grpc::ClientContext& ctx, const std::string& name) const {
  ctx.AddMetadata("authorization", "Bearer " + Token(name));
}

}  // namespace ent::testing
