#include "entctl/client.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ent::entctl {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(what, ": cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

}  // namespace

absl::StatusOr<Settings> LoadSettings(const Args& args) {
  Settings s;
  // 1. Config file.
  std::string config = args.Get("config");
  const bool explicit_config = !config.empty();
  if (config.empty() && !Env("HOME").empty()) config = Env("HOME") + "/.config/entctl/config";
  std::map<std::string, std::string> file;
  if (!config.empty()) {
    std::ifstream in(config);
    if (!in && explicit_config) return absl::NotFoundError("--config: cannot read " + config);
    std::string line;
    while (std::getline(in, line)) {
      line = std::string(absl::StripAsciiWhitespace(line));
      if (line.empty() || line[0] == '#') continue;
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      file[std::string(absl::StripAsciiWhitespace(line.substr(0, eq)))] =
          std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    }
  }
  // 2. Environment, 3. flags: later wins.
  auto pick = [&](const char* key, const char* env, std::string& out) {
    if (file.count(key)) out = file[key];
    if (!Env(env).empty()) out = Env(env);
    if (args.Has(key)) out = args.Get(key);
    args.Get(key);  // mark as read
  };
  pick("convention-endpoint", "ENT_CONVENTION_ENDPOINT", s.convention_endpoint);
  pick("billing-endpoint", "ENT_BILLING_ENDPOINT", s.billing_endpoint);
  pick("token", "ENT_TOKEN", s.token);
  std::string token_file;
  pick("token-file", "ENT_TOKEN_FILE", token_file);
  pick("ca-file", "ENT_CA_FILE", s.ca_file);
  pick("cert-file", "ENT_CERT_FILE", s.cert_file);
  pick("key-file", "ENT_KEY_FILE", s.key_file);
  std::string output = "text";
  pick("output", "ENT_OUTPUT", output);
  if (output != "text" && output != "json") {
    return absl::InvalidArgumentError("--output: expected text or json");
  }
  s.json = output == "json";
  if (s.token.empty() && !token_file.empty()) {
    auto token = ReadFile(token_file, "--token-file");
    if (!token.ok()) return token.status();
    s.token = std::string(absl::StripAsciiWhitespace(*token));
  }
  return s;
}

Client::Client(Settings settings) : settings_(std::move(settings)) {}

std::shared_ptr<grpc::Channel> Client::Channel(const std::string& endpoint) const {
  if (settings_.ca_file.empty()) {
    return grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(settings_.ca_file, "--ca-file").value_or("");
  if (!settings_.cert_file.empty()) {
    tls.pem_cert_chain = ReadFile(settings_.cert_file, "--cert-file").value_or("");
    tls.pem_private_key = ReadFile(settings_.key_file, "--key-file").value_or("");
  }
  return grpc::CreateChannel(endpoint, grpc::SslCredentials(tls));
}

std::unique_ptr<grpc::ClientContext> Client::Context() const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!settings_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + settings_.token);
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(settings_.timeout_seconds));
  return ctx;
}

std::string Client::RequestId() {
  std::random_device random;
  return absl::StrFormat("entctl-%08x%08x%08x", random(), random(), random());
}

ent::convention::v1::ConventionService::Stub& Client::conventions() {
  if (!conventions_) {
    conventions_ = ent::convention::v1::ConventionService::NewStub(Channel(settings_.convention_endpoint));
  }
  return *conventions_;
}

ent::billing::v1::BillingService::Stub& Client::billing() {
  if (!billing_) billing_ = ent::billing::v1::BillingService::NewStub(Channel(settings_.billing_endpoint));
  return *billing_;
}

ent::testing::v1::ClockService::Stub& Client::clock() {
  if (!clock_) clock_ = ent::testing::v1::ClockService::NewStub(Channel(settings_.convention_endpoint));
  return *clock_;
}

ent::testing::v1::ClockService::Stub& Client::billing_clock() {
  if (!billing_clock_) {
    billing_clock_ = ent::testing::v1::ClockService::NewStub(Channel(settings_.billing_endpoint));
  }
  return *billing_clock_;
}

}  // namespace ent::entctl
