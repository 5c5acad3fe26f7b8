// A principals file for tests and benchmarks, with one principal per role
// (and two commune portals), and the bearer tokens that go with them.
#ifndef ENT_TESTS_SUPPORT_TEST_PRINCIPALS_H_
#define ENT_TESTS_SUPPORT_TEST_PRINCIPALS_H_

#include <map>
#include <set>
#include <string>

#include <grpcpp/grpcpp.h>

namespace ent::testing {

class TestPrincipals {
 public:
  // Principal names.
  static constexpr char kRectorat[] = "rectorat-provisioning";
  static constexpr char kSupport[] = "support-dsii";
  static constexpr char kFinance[] = "finance-rectorat";
  static constexpr char kInternal[] = "billing-outbox";
  static constexpr char kPortal30227[] = "portal-saint-ambroix";  // acts for 30227
  static constexpr char kPortal34172[] = "portal-montpellier";    // acts for 34172

  // Writes `dir`/principals.textproto.
  explicit TestPrincipals(const std::string& dir);

  const std::string& path() const { return path_; }
  const std::string& Token(const std::string& name) const { return tokens_.at(name); }
  // Adds "authorization: Bearer <token of name>" to the call.
  void Authorize(grpc::ClientContext& ctx, const std::string& name) const;
  // Rewrites the file without the principals in `revoked`.
  void Write(const std::set<std::string>& revoked = {}) const;
  // Text appended to the file from now on (identity providers, principals
  // with certificates); rewrites it.
  void SetExtra(std::string extra);

 private:
  std::string path_;
  std::map<std::string, std::string> tokens_;
  std::string extra_;
};

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_TEST_PRINCIPALS_H_
