#include "tests/support/service_pair.h"

#include <chrono>
#include <fstream>
#include <thread>

#include "absl/time/time.h"

namespace ent::testing {

absl::Status StartServicePair(const TestPrincipals& principals, const std::string& billing_dir,
                              const std::string& conventions_dir, const std::string& billing_clock,
                              const std::string& conventions_clock, ServicePair* out) {
  out->billing = std::make_unique<ServiceProcess>(
      BinaryPath("billing-service/ent-billing-service"), billing_dir,
      std::vector<std::string>{"--principals=" + principals.path(),
                               "--clock=simulated:" + billing_clock});
  if (auto st = out->billing->Start(); !st.ok()) return st;
  const std::string token_file = conventions_dir + "/internal.token";
  std::ofstream(token_file) << principals.Token(TestPrincipals::kInternal) << "\n";
  out->conventions = std::make_unique<ServiceProcess>(
      BinaryPath("convention-service/ent-convention-service"), conventions_dir,
      std::vector<std::string>{"--principals=" + principals.path(),
                               "--clock=simulated:" + conventions_clock,
                               "--billing=" + out->billing->address(),
                               "--billing-token-file=" + token_file});
  return out->conventions->Start();
}

absl::Status SetSimulatedTime(ent::testing::v1::ClockService::Stub& clock,
                              const TestPrincipals& principals, const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) {
    return absl::InvalidArgumentError(rfc3339 + ": " + err);
  }
  ent::testing::v1::SetTimeRequest req;
  req.mutable_time()->set_seconds(absl::ToUnixSeconds(t));
  ent::testing::v1::GetTimeResponse out;
  grpc::ClientContext ctx;
  principals.Authorize(ctx, TestPrincipals::kRectorat);
  const grpc::Status st = clock.SetTime(&ctx, req, &out);
  if (!st.ok()) return absl::InternalError("SetTime " + rfc3339 + ": " + st.error_message());
  return absl::OkStatus();
}

bool WaitOutboxDrained(ent::convention::v1::ConventionService::Stub& conventions,
                       const TestPrincipals& principals) {
  for (int i = 0; i < 1500; ++i) {
    ent::convention::v1::ListOutboxMessagesResponse pending;
    grpc::ClientContext ctx;
    principals.Authorize(ctx, TestPrincipals::kSupport);
    if (conventions.ListOutboxMessages(&ctx, ent::convention::v1::ListOutboxMessagesRequest(), &pending)
            .ok() &&
        pending.messages_size() == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace ent::testing
