// Both services as a deployment runs them, for integration tests: billing-
// service, then convention-service delivering its outbox to it as the internal
// principal, each on its simulated clock; and the calls tests make on the pair:
// moving convention-service's clock, waiting for its outbox to drain.
#ifndef ENT_TESTS_SUPPORT_SERVICE_PAIR_H_
#define ENT_TESTS_SUPPORT_SERVICE_PAIR_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent::testing {

struct ServicePair {
  std::unique_ptr<ServiceProcess> billing;
  std::unique_ptr<ServiceProcess> conventions;
};

// Starts billing-service in `billing_dir` (clock `billing_clock`, RFC 3339),
// then convention-service in `conventions_dir` (clock `conventions_clock`)
// with --billing pointing at it; the internal token file is written in
// `conventions_dir`.
absl::Status StartServicePair(const TestPrincipals& principals, const std::string& billing_dir,
                              const std::string& conventions_dir, const std::string& billing_clock,
                              const std::string& conventions_clock, ServicePair* out);

// Moves a simulated clock to `rfc3339` (as the rectorat service); returns once
// every timer due on the way has fired.
absl::Status SetSimulatedTime(ent::testing::v1::ClockService::Stub& clock,
                              const TestPrincipals& principals, const std::string& rfc3339);

// True once convention-service's outbox has nothing pending (false after 30 s).
bool WaitOutboxDrained(ent::convention::v1::ConventionService::Stub& conventions,
                       const TestPrincipals& principals);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_SERVICE_PAIR_H_
