// The console's calls to the two services: one channel each, every call made
// with the signed-in person's access token (the console has no credentials
// of its own), with a deadline. Refusals become a ServiceError: the gRPC code,
// the message, and each field's violations (google.rpc.BadRequest and
// PreconditionFailure details), for the page to show beside its fields.
// Thread-safe.
#ifndef ENT_CONSOLE_BACKEND_H_
#define ENT_CONSOLE_BACKEND_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ent/admin/v1/admin_service.grpc.pb.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"

namespace ent::console {

struct BackendConfig {
  std::string convention;  // host:port
  std::string billing;     // host:port
  std::string ca_file;     // TLS towards the services when set
  absl::Duration deadline = absl::Seconds(15);
};

// A text shown to people: French, or — where a service gave no French text —
// its English one, which pages mark lang="en" (WCAG 3.1.2, language of parts).
struct Message {
  Message(std::string t, bool is_english = false) : text(std::move(t)), english(is_english) {}
  Message(const char* t) : text(t) {}
  std::string text;
  bool english = false;

  bool operator==(const Message& o) const { return text == o.text && english == o.english; }
};

// Field path ("dispute.notice_sent_date") → what is wrong with it.
using FieldErrors = std::map<std::string, std::vector<Message>>;

struct ServiceError {
  grpc::StatusCode code = grpc::StatusCode::OK;
  // The service's French text (LocalizedMessage fr-FR) when it gave one,
  // else its message (English).
  Message message{""};
  // Each field's violations, in French where the service gave them
  // (localized_message fr-FR), else in English.
  FieldErrors fields;

  bool ok() const { return code == grpc::StatusCode::OK; }
  // A French sentence for the page's alert: what kind of refusal it is.
  std::string Summary() const;
};

ServiceError ErrorOf(const grpc::Status& status);

class Backend {
 public:
  explicit Backend(BackendConfig config);

  // A context carrying `access_token` and the deadline.
  std::unique_ptr<grpc::ClientContext> Context(const std::string& access_token) const;
  // As above, without a deadline (event streams).
  std::unique_ptr<grpc::ClientContext> StreamContext(const std::string& access_token) const;

  convention::v1::ConventionService::Stub& conventions() { return *conventions_; }
  billing::v1::BillingService::Stub& billing() { return *billing_; }
  admin::v1::AdminService::Stub& admin() { return *admin_; }
  testing::v1::ClockService::Stub& clock() { return *clock_; }
  testing::v1::ClockService::Stub& billing_clock() { return *billing_clock_; }

 private:
  BackendConfig config_;
  std::unique_ptr<convention::v1::ConventionService::Stub> conventions_;
  std::unique_ptr<billing::v1::BillingService::Stub> billing_;
  std::unique_ptr<admin::v1::AdminService::Stub> admin_;
  std::unique_ptr<testing::v1::ClockService::Stub> clock_;
  std::unique_ptr<testing::v1::ClockService::Stub> billing_clock_;
};

}  // namespace ent::console

#endif  // ENT_CONSOLE_BACKEND_H_
