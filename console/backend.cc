#include "console/backend.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/grpc/status_conversion.h"

namespace ent::console {
namespace {

std::shared_ptr<grpc::Channel> Channel(const std::string& target, const std::string& ca_file) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  if (ca_file.empty()) {
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  }
  std::ifstream in(ca_file);
  std::stringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
}

}  // namespace

std::string ServiceError::Summary() const {
  switch (code) {
    case grpc::StatusCode::OK: return "";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "La demande est incomplète ou incorrecte : corrigez les champs signalés.";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "Cet acte n'est pas possible en l'état du dossier.";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "Vous n'avez pas le droit de faire cela.";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Votre session a expiré : reconnectez-vous.";
    case grpc::StatusCode::NOT_FOUND: return "Introuvable.";
    case grpc::StatusCode::ABORTED:
      return "Le dossier a changé entre-temps : rechargez la page et recommencez.";
    case grpc::StatusCode::ALREADY_EXISTS: return "Cela existe déjà.";
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "Le service ne répond pas pour le moment : réessayez dans un instant.";
    default: return "Le service a refusé la demande.";
  }
}

ServiceError ErrorOf(const grpc::Status& status) {
  ServiceError e;
  e.code = status.error_code();
  if (status.ok()) return e;
  e.message = Message(status.error_message(), /*is_english=*/true);
  const absl::Status detailed = FromGrpcStatus(status);
  if (std::string french = FrenchMessageOf(detailed); !french.empty()) e.message = Message(french);
  for (LocalizedViolation& v : LocalizedViolationsOf(detailed)) {
    std::vector<Message>& texts = e.fields[v.field];
    Message m(std::move(v.text), !v.french);
    // A refusal's French text covers all its preconditions: once per field.
    if (std::find(texts.begin(), texts.end(), m) == texts.end()) texts.push_back(std::move(m));
  }
  return e;
}

Backend::Backend(BackendConfig config) : config_(std::move(config)) {
  auto conventions = Channel(config_.convention, config_.ca_file);
  auto billing = Channel(config_.billing, config_.ca_file);
  conventions_ = convention::v1::ConventionService::NewStub(conventions);
  billing_ = billing::v1::BillingService::NewStub(billing);
  admin_ = admin::v1::AdminService::NewStub(conventions);
  clock_ = testing::v1::ClockService::NewStub(conventions);
  billing_clock_ = testing::v1::ClockService::NewStub(billing);
}

std::unique_ptr<grpc::ClientContext> Backend::StreamContext(const std::string& access_token) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", absl::StrCat("Bearer ", access_token));
  return ctx;
}

std::unique_ptr<grpc::ClientContext> Backend::Context(const std::string& access_token) const {
  auto ctx = StreamContext(access_token);
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + config_.deadline));
  return ctx;
}

}  // namespace ent::console
