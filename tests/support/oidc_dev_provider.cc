#include "tests/support/oidc_dev_provider.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/http/http_client.h"

namespace ent::testing {
namespace {

std::string Dir() { return std::string(ENT_SOURCE_DIR) + "/deploy/oidc-dev"; }

// The first <form> of `html` after `from`: its action and hidden fields.
bool FirstForm(const std::string& html, std::string* action, HttpFields* fields) {
  const size_t start = html.find("<form");
  if (start == std::string::npos) return false;
  const size_t end = html.find("</form>", start);
  const std::string form = html.substr(start, end - start);
  auto attribute = [](const std::string& tag, const std::string& name) {
    const std::string key = name + "=\"";
    const size_t at = tag.find(key);
    if (at == std::string::npos) return std::string();
    const size_t begin = at + key.size();
    return tag.substr(begin, tag.find('"', begin) - begin);
  };
  *action = attribute(form.substr(0, form.find('>')), "action");
  fields->clear();
  for (size_t at = form.find("<input"); at != std::string::npos; at = form.find("<input", at + 1)) {
    const std::string tag = form.substr(at, form.find('>', at) - at);
    if (attribute(tag, "type") == "hidden") fields->emplace_back(attribute(tag, "name"), attribute(tag, "value"));
  }
  return true;
}

std::string Resolve(const std::string& page, const std::string& action) {
  if (action.rfind("http", 0) == 0) return action;
  const size_t host_end = page.find('/', page.find("//") + 2);
  return page.substr(0, host_end) + action;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OidcDevProvider>> OidcDevProvider::Start() {
  if (std::system("command -v node >/dev/null") != 0) {
    return absl::FailedPreconditionError("Node.js is not installed (deploy/test.sh installs it)");
  }
  if (access((Dir() + "/node_modules/oidc-provider/package.json").c_str(), R_OK) != 0) {
    return absl::FailedPreconditionError(
        "oidc-provider is not installed: npm ci --prefix deploy/oidc-dev");
  }
  // A loaded machine once left a provider silent for 30 s (CI, stop 32):
  // its output is reported and one more provider is started.
  std::string first_log;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    std::unique_ptr<OidcDevProvider> p(new OidcDevProvider());
    absl::Status started = p->Launch(absl::Seconds(30));
    if (started.ok()) return p;
    if (!absl::IsDeadlineExceeded(started) || attempt == 2) {
      return absl::Status(started.code(), absl::StrCat(started.message(), first_log));
    }
    first_log = absl::StrCat("; the first provider started printed: ", started.message());
    std::fprintf(stderr, "OidcDevProvider: %s; starting another\n", std::string(started.message()).c_str());
  }
  return absl::InternalError("unreachable");
}

absl::Status OidcDevProvider::Launch(absl::Duration timeout) {
  char tmpl[] = "/tmp/ent-oidc-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return absl::InternalError("mkstemp failed");
  close(fd);
  log_path_ = tmpl;
  pid_ = fork();
  if (pid_ == 0) {
    const int out = open(tmpl, O_WRONLY | O_TRUNC);
    dup2(out, 1);
    dup2(out, 2);
    const std::string script = Dir() + "/provider.mjs";
    execlp("node", "node", script.c_str(), "--port=0", static_cast<char*>(nullptr));
    _exit(127);
  }
  auto log = [this] {
    std::stringstream text;
    text << std::ifstream(log_path_).rdbuf();
    return text.str();
  };
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::ifstream in(log_path_);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("{\"issuer\"", 0) != 0 || in.eof()) continue;  // a whole line only
      auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) continue;
      issuer_ = parsed.value("issuer", "");
      return absl::OkStatus();
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("the provider exited: ", log()));
    }
    absl::SleepFor(absl::Milliseconds(50));  // polls a child's output file
  }
  return absl::DeadlineExceededError(absl::StrCat("the provider did not start within ",
                                                  absl::FormatDuration(timeout), "; it printed: '",
                                                  log(), "'"));
}

OidcDevProvider::~OidcDevProvider() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  if (!log_path_.empty()) std::remove(log_path_.c_str());
}

std::string OidcDevProvider::PrincipalsEntry(const std::string& extra) const {
  return absl::StrCat(R"(identity_providers {
  name: "academie"
  issuer: ")", issuer_, R"("
  audiences: ")", kDevAudience, R"("
  roles { claim: "groups" value: "ent-support" role: ROLE_SUPPORT_STAFF }
  roles { claim: "groups" value: "ent-finance" role: ROLE_FINANCE }
  roles { claim: "groups" value: "agents-communes" role: ROLE_COMMUNE_PORTAL }
  roles { claim: "client_id" value: "sirh-rectorat" role: ROLE_RECTORAT_SERVICE }
  roles { claim: "client_id" value: "short-lived" role: ROLE_RECTORAT_SERVICE }
  siret_claim: "siret"
)", extra, "}\n");
}

absl::StatusOr<std::string> OidcDevProvider::ClientCredentials(const std::string& client_id,
                                                               const std::string& secret) const {
  HttpClient http;
  auto r = http.PostForm(issuer_ + "/token", {{"grant_type", "client_credentials"},
                                              {"client_id", client_id},
                                              {"client_secret", secret},
                                              {"scope", "conventions"}});
  if (!r.ok()) return r.status();
  if (r->status != 200) return absl::InternalError(absl::StrCat("token: ", r->status, " ", r->body));
  return nlohmann::json::parse(r->body).value("access_token", "");
}

absl::Status OidcDevProvider::ApproveDevice(const std::string& verification_uri_complete,
                                            const std::string& login,
                                            const std::string& password) const {
  HttpClient::Options options;
  options.follow_redirects = true;
  options.keep_cookies = true;
  HttpClient browser(options);
  auto page = browser.Get(verification_uri_complete);
  // The code page submits itself, the confirmation page is confirmed, then
  // the sign-in page asks who it is.
  for (int step = 0; page.ok() && step < 4; ++step) {
    std::string action;
    HttpFields fields;
    if (!FirstForm(page->body, &action, &fields)) break;
    if (action.find("/login") != std::string::npos) {
      fields.emplace_back("login", login);
      fields.emplace_back("password", password);
    }
    page = browser.PostForm(Resolve(page->url, action), fields);
  }
  if (!page.ok()) return page.status();
  if (page->body.find("Sign-in Success") == std::string::npos) {
    return absl::PermissionDeniedError(absl::StrCat("sign-in did not succeed: ", page->body.substr(0, 400)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> OidcDevProvider::SignIn(const std::string& login,
                                                    const std::string& password) const {
  HttpClient http;
  auto start = http.PostForm(issuer_ + "/device/auth",
                             {{"client_id", "entctl"}, {"scope", "openid offline_access conventions"}});
  if (!start.ok()) return start.status();
  const auto grant = nlohmann::json::parse(start->body);
  if (auto st = ApproveDevice(grant.value("verification_uri_complete", ""), login, password); !st.ok()) {
    return st;
  }
  auto token = http.PostForm(issuer_ + "/token",
                             {{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
                              {"client_id", "entctl"},
                              {"device_code", grant.value("device_code", "")}});
  if (!token.ok()) return token.status();
  if (token->status != 200) return absl::InternalError(absl::StrCat("token: ", token->body));
  return nlohmann::json::parse(token->body).value("access_token", "");
}

absl::Status OidcDevProvider::RotateKeys() const {
  HttpClient http;
  auto r = http.PostForm(issuer_ + "/_dev/keys/rotate", {});
  if (!r.ok()) return r.status();
  return r->status == 200 ? absl::OkStatus() : absl::InternalError(r->body);
}

absl::Status OidcDevProvider::RetireOldKeys() const {
  HttpClient http;
  auto r = http.PostForm(issuer_ + "/_dev/keys/retire", {});
  if (!r.ok()) return r.status();
  return r->status == 200 ? absl::OkStatus() : absl::InternalError(r->body);
}

}  // namespace ent::testing
