#include "entctl/client.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/file_contents.h"
#include "entctl/session.h"

namespace ent::entctl {
namespace {

// A bearer token travels in a gRPC header: printable ASCII without spaces.
absl::Status CheckToken(const std::string& token, const std::string& source) {
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the token is empty"));
  }
  if (token.size() > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": does not hold a bearer token (", token.size(),
                     " bytes; a token is one line of at most 4096 characters)"));
  }
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(absl::StrCat(
          source,
          ": does not hold a bearer token (a token is one line of printable ASCII without "
          "spaces, e.g. a file of data/credentials/*.token); its content is not shown"));
    }
  }
  return absl::OkStatus();
}

// Reads a PEM file of the kind `marker` ("CERTIFICATE", "PRIVATE KEY").
absl::StatusOr<std::string> ReadPem(const std::string& path, const std::string& flag,
                                    const std::string& marker) {
  auto text = ReadOptionFile(flag, path);
  if (!text.ok()) return absl::InvalidArgumentError(std::string(text.status().message()));
  if (text->find("-----BEGIN ") == std::string::npos ||
      text->find(marker + "-----") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " is not a PEM file holding a ", marker));
  }
  return text;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

}  // namespace

std::map<std::string, std::string> ParseConfig(absl::string_view text) {
  std::map<std::string, std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    out[std::string(absl::StripAsciiWhitespace(line.substr(0, eq)))] =
        std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
  }
  return out;
}

absl::StatusOr<Settings> LoadSettings(const Args& args, bool use_session) {
  Settings s;
  // 1. Config file.
  std::string config = args.Get("config");
  const bool explicit_config = !config.empty();
  if (config.empty() && !Env("HOME").empty()) config = Env("HOME") + "/.config/entctl/config";
  std::map<std::string, std::string> file;
  if (!config.empty()) {
    std::ifstream in(config);
    if (!in && explicit_config) return absl::NotFoundError("--config: cannot read " + config);
    std::stringstream text;
    text << in.rdbuf();
    file = ParseConfig(text.str());
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
  pick("issuer", "ENT_ISSUER", s.issuer);
  pick("client-id", "ENT_CLIENT_ID", s.client_id);
  pick("scope", "ENT_SCOPE", s.scope);
  pick("audience", "ENT_AUDIENCE", s.audience);
  pick("idp-ca-file", "ENT_IDP_CA_FILE", s.idp_ca_file);
  std::string output = "text";
  pick("output", "ENT_OUTPUT", output);
  if (output != "text" && output != "json") {
    return absl::InvalidArgumentError("--output: expected text or json");
  }
  s.json = output == "json";
  std::string timeout = "30";
  pick("timeout", "ENT_TIMEOUT", timeout);
  if (!absl::SimpleAtoi(timeout, &s.timeout_seconds) || s.timeout_seconds < 1 ||
      s.timeout_seconds > 3600) {
    return absl::InvalidArgumentError("--timeout: seconds to wait for a call, 1 to 3600");
  }
  if (!s.token.empty()) {
    if (auto st = CheckToken(s.token, "--token"); !st.ok()) return st;
  } else if (!token_file.empty()) {
    auto token = ReadOptionFileTrimmed("--token-file", token_file);
    if (!token.ok()) return token.status();
    s.token = std::move(*token);
    if (auto st = CheckToken(s.token, "--token-file " + token_file); !st.ok()) return st;
  } else if (use_session) {
    auto session = LoadSession(SessionPath());
    if (!session.ok()) return session.status();
    if (session->has_value()) {
      auto fresh = FreshSession(SessionPath(), **session);
      if (!fresh.ok()) return fresh.status();
      s.token = fresh->access_token;
      s.signed_in = true;
    }
  }
  if (s.cert_file.empty() != s.key_file.empty()) {
    return absl::InvalidArgumentError("--cert-file and --key-file go together (mutual TLS)");
  }
  if (!s.ca_file.empty()) {
    auto ca = ReadPem(s.ca_file, "--ca-file", "CERTIFICATE");
    if (!ca.ok()) return ca.status();
    s.ca_pem = *ca;
  }
  if (!s.cert_file.empty()) {
    if (s.ca_file.empty()) {
      return absl::InvalidArgumentError("--cert-file needs --ca-file (mutual TLS is TLS)");
    }
    auto cert = ReadPem(s.cert_file, "--cert-file", "CERTIFICATE");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(s.key_file, "--key-file", "PRIVATE KEY");
    if (!key.ok()) return key.status();
    s.cert_pem = *cert;
    s.key_pem = *key;
  }
  return s;
}

Client::Client(Settings settings) : settings_(std::move(settings)) {}

std::shared_ptr<grpc::Channel> Client::Channel(const std::string& endpoint) const {
  if (settings_.ca_file.empty()) {
    return grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = settings_.ca_pem;
  tls.pem_cert_chain = settings_.cert_pem;
  tls.pem_private_key = settings_.key_pem;
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

ent::admin::v1::AdminService::Stub& Client::admin(bool billing) {
  // Created on first use, like the other clients: one per service.
  auto& client = admin_[billing ? 1 : 0];
  if (!client) {
    client = ent::admin::v1::AdminService::NewStub(
        Channel(billing ? settings_.billing_endpoint : settings_.convention_endpoint));
  }
  return *client;
}

}  // namespace ent::entctl
