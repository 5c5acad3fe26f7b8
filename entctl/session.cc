#include "entctl/session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/auth/oidc_discovery.h"
#include "common/http/http_client.h"

namespace ent::entctl {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

HttpClient::Options HttpOptions(const std::string& ca_file) {
  HttpClient::Options options;
  options.timeout = absl::Seconds(15);
  options.ca_file = ca_file;
  return options;
}

nlohmann::json ParseObject(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : nlohmann::json::object();
}

// The provider's error, as it says it ("invalid_grant: …").
std::string ProviderError(const nlohmann::json& j, long status) {
  std::string what = j.value("error", absl::StrCat("HTTP ", status));
  const std::string description = j.value("error_description", "");
  if (!description.empty()) absl::StrAppend(&what, ": ", description);
  return what;
}

void TakeTokens(const nlohmann::json& j, Session* s) {
  s->access_token = j.value("access_token", "");
  if (j.contains("refresh_token")) s->refresh_token = j.value("refresh_token", "");
  s->expires = absl::Now() + absl::Seconds(j.value("expires_in", 300));
}

}  // namespace

std::string SessionPath() {
  if (!Env("ENTCTL_SESSION").empty()) return Env("ENTCTL_SESSION");
  std::string base = Env("XDG_CONFIG_HOME");
  if (base.empty()) base = Env("HOME") + "/.config";
  return base + "/entctl/session.json";
}

absl::StatusOr<std::optional<Session>> LoadSession(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::optional<Session>();
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json j = ParseObject(text.str());
  Session s;
  s.issuer = j.value("issuer", "");
  s.client_id = j.value("client_id", "");
  s.token_endpoint = j.value("token_endpoint", "");
  s.revocation_endpoint = j.value("revocation_endpoint", "");
  s.access_token = j.value("access_token", "");
  s.refresh_token = j.value("refresh_token", "");
  s.ca_file = j.value("ca_file", "");
  s.expires = absl::FromUnixSeconds(j.value("expires_at", int64_t{0}));
  if (s.access_token.empty() || s.token_endpoint.empty()) {
    return absl::DataLossError(absl::StrCat(
        path, " is not an entctl session: run 'entctl login' again (or 'entctl logout')"));
  }
  return std::optional<Session>(std::move(s));
}

absl::Status SaveSession(const std::string& path, const Session& s) {
  const std::filesystem::path file(path);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", file.parent_path().string()));
  chmod(file.parent_path().c_str(), 0700);
  const nlohmann::json j = {{"issuer", s.issuer},
                            {"client_id", s.client_id},
                            {"token_endpoint", s.token_endpoint},
                            {"revocation_endpoint", s.revocation_endpoint},
                            {"access_token", s.access_token},
                            {"refresh_token", s.refresh_token},
                            {"ca_file", s.ca_file},
                            {"expires_at", absl::ToUnixSeconds(s.expires)}};
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  fchmod(fd, 0600);  // whatever the umask or an older file said
  const std::string text = j.dump(2) + "\n";
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!written || !synced || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<Session> DeviceLogin(const LoginRequest& request,
                                    const std::function<void(const std::string&)>& tell) {
  if (!IsSecureOrLoopbackUrl(request.issuer)) {
    return absl::InvalidArgumentError(
        "--issuer: expected the identity provider's https URL (http only on loopback)");
  }
  HttpClient http(HttpOptions(request.ca_file));
  auto provider = DiscoverProvider(request.issuer, request.ca_file);
  if (!provider.ok()) return provider.status();
  const std::string device_endpoint = provider->device_authorization_endpoint;
  if (device_endpoint.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        request.issuer, " offers no device authorization grant: ask for it to be enabled for ",
        request.client_id));
  }
  Session session;
  session.issuer = request.issuer;
  session.client_id = request.client_id;
  session.token_endpoint = provider->token_endpoint;
  session.revocation_endpoint = provider->revocation_endpoint;
  session.ca_file = request.ca_file;

  HttpFields fields = {{"client_id", request.client_id}, {"scope", request.scope}};
  if (!request.audience.empty()) fields.emplace_back("resource", request.audience);
  auto started = http.PostForm(device_endpoint, fields);
  if (!started.ok()) return started.status();
  const nlohmann::json grant = ParseObject(started->body);
  if (started->status != 200) {
    return absl::FailedPreconditionError(
        absl::StrCat("the provider refused to start: ", ProviderError(grant, started->status)));
  }
  const std::string user_code = grant.value("user_code", "");
  const std::string uri = grant.value("verification_uri", "");
  const std::string complete = grant.value("verification_uri_complete", "");
  if (complete.empty()) {
    tell(absl::StrCat("To sign in, open ", uri, " and enter the code ", user_code, "\n"));
  } else {
    tell(absl::StrCat("To sign in, open ", complete, "\n(or open ", uri, " and enter the code ",
                      user_code, ")\n"));
  }
  tell("Waiting for you to sign in...\n");
  absl::Duration interval = absl::Seconds(grant.value("interval", 5));
  const absl::Time deadline = absl::Now() + absl::Seconds(grant.value("expires_in", 600));
  while (absl::Now() < deadline) {
    absl::SleepFor(interval);  // the provider sets the pace (RFC 8628 §3.5)
    fields = {{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
              {"client_id", request.client_id},
              {"device_code", grant.value("device_code", "")}};
    auto polled = http.PostForm(session.token_endpoint, fields);
    if (!polled.ok()) return polled.status();
    const nlohmann::json answer = ParseObject(polled->body);
    if (polled->status == 200) {
      TakeTokens(answer, &session);
      if (session.access_token.empty()) return absl::InternalError("the provider sent no access token");
      return session;
    }
    const std::string error = answer.value("error", "");
    if (error == "authorization_pending") continue;
    if (error == "slow_down") {
      interval += absl::Seconds(5);
      continue;
    }
    if (error == "access_denied") return absl::PermissionDeniedError("sign-in refused at the provider");
    if (error == "expired_token") break;
    return absl::UnavailableError(absl::StrCat("sign-in failed: ", ProviderError(answer, polled->status)));
  }
  return absl::DeadlineExceededError("the code expired before you signed in: run 'entctl login' again");
}

absl::StatusOr<Session> FreshSession(const std::string& path, Session session,
                                     absl::Duration margin) {
  if (absl::Now() + margin < session.expires) return session;
  if (session.refresh_token.empty()) {
    return absl::UnauthenticatedError("your sign-in expired: run 'entctl login'");
  }
  HttpClient http(HttpOptions(session.ca_file));
  auto r = http.PostForm(session.token_endpoint, {{"grant_type", "refresh_token"},
                                                  {"client_id", session.client_id},
                                                  {"refresh_token", session.refresh_token}});
  if (!r.ok()) return r.status();
  const nlohmann::json answer = ParseObject(r->body);
  if (r->status != 200) {
    return absl::UnauthenticatedError(absl::StrCat(
        "your sign-in expired and could not be renewed (", answer.value("error", "refused"),
        "): run 'entctl login'"));
  }
  TakeTokens(answer, &session);
  if (auto st = SaveSession(path, session); !st.ok()) return st;
  return session;
}

absl::Status Logout(const std::string& path) {
  auto session = LoadSession(path);
  if (session.ok() && session->has_value() && !(*session)->revocation_endpoint.empty()) {
    const Session& s = **session;
    HttpClient http(HttpOptions(s.ca_file));
    // Best effort: the file goes whatever the provider answers.
    (void)http.PostForm(s.revocation_endpoint,
                        {{"client_id", s.client_id},
                         {"token", s.refresh_token.empty() ? s.access_token : s.refresh_token}});
  }
  if (std::remove(path.c_str()) != 0 && errno != ENOENT) {
    return absl::UnavailableError(absl::StrCat("cannot delete ", path));
  }
  return absl::OkStatus();
}

}  // namespace ent::entctl
