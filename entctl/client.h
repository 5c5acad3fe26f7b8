// How entctl reaches the services: endpoints, bearer token and TLS settings
// from flags, then the environment, then a config file (key = value lines,
// --config or ~/.config/entctl/config), and the stubs built from them.
#ifndef ENT_ENTCTL_CLIENT_H_
#define ENT_ENTCTL_CLIENT_H_

#include <map>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/admin/v1/admin_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "entctl/args.h"

namespace ent::entctl {

struct Settings {
  std::string convention_endpoint = "127.0.0.1:50051";
  std::string billing_endpoint = "127.0.0.1:50052";
  std::string token;
  std::string ca_file;    // TLS when set
  std::string cert_file;  // client certificate (mutual TLS)
  std::string key_file;
  // The PEM contents of the three files above, read and checked by LoadSettings.
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  bool json = false;      // --output json
  int timeout_seconds = 30;
  // Signing in (entctl login): the identity provider and how to ask it.
  std::string issuer;
  std::string client_id = "entctl";
  std::string scope = "openid offline_access";
  std::string audience;
  std::string idp_ca_file;
  // The token comes from `entctl login`'s session (refreshed if it had to be).
  bool signed_in = false;
};

// The `key = value` lines of a config file (# comments, blank lines and
// lines without '=' are skipped; later keys win).
std::map<std::string, std::string> ParseConfig(absl::string_view text);

// Reads the settings; the flags it reads are marked used in `args`. Refuses
// (INVALID_ARGUMENT, naming the flag, never echoing a secret) a token that is
// not one line of printable ASCII, and TLS files that cannot be read or are
// not PEM of the expected kind. Without a token, and when `use_session`, the
// session `entctl login` left gives it (refreshed when about to expire;
// UNAUTHENTICATED when it cannot be).
absl::StatusOr<Settings> LoadSettings(const Args& args, bool use_session = true);

class Client {
 public:
  explicit Client(Settings settings);
  const Settings& settings() const { return settings_; }
  // A context with the token and the deadline.
  std::unique_ptr<grpc::ClientContext> Context() const;
  // A fresh request id for a mutating call.
  static std::string RequestId();

  ent::convention::v1::ConventionService::Stub& conventions();
  ent::billing::v1::BillingService::Stub& billing();
  ent::testing::v1::ClockService::Stub& clock();
  // billing-service's ClockService (served only on a simulated clock).
  ent::testing::v1::ClockService::Stub& billing_clock();
  // The operations service of convention-service, or of billing-service.
  ent::admin::v1::AdminService::Stub& admin(bool billing);

 private:
  std::shared_ptr<grpc::Channel> Channel(const std::string& endpoint) const;

  Settings settings_;
  std::unique_ptr<ent::convention::v1::ConventionService::Stub> conventions_;
  std::unique_ptr<ent::billing::v1::BillingService::Stub> billing_;
  std::unique_ptr<ent::testing::v1::ClockService::Stub> clock_;
  std::unique_ptr<ent::testing::v1::ClockService::Stub> billing_clock_;
  std::unique_ptr<ent::admin::v1::AdminService::Stub> admin_[2];
};

}  // namespace ent::entctl

#endif  // ENT_ENTCTL_CLIENT_H_
