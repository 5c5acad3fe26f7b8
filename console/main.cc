// ent-console: the web console (see console_server.h).
//
//   ent-console --listen=127.0.0.1:8080 --convention=127.0.0.1:50051 \
//     --billing=127.0.0.1:50052 --oidc-issuer=https://… --oidc-client-id=ent-console \
//     --oidc-resource=https://ent-conventions.ac-montpellier.fr --dsfr-dir=…/dist
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/command_line.h"
#include "common/file_contents.h"
#include "console/console_server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:8080", "host:port to serve HTTP on (port 0: any free port)");
ABSL_FLAG(std::string, port_file, "", "file to write the bound port to, once serving");
ABSL_FLAG(std::string, public_url, "",
          "the console's address as browsers reach it (https behind a reverse proxy); "
          "http://<listen> when empty, loopback only");
ABSL_FLAG(std::string, convention, "127.0.0.1:50051", "convention-service host:port");
ABSL_FLAG(std::string, billing, "127.0.0.1:50052", "billing-service host:port");
ABSL_FLAG(std::string, services_ca_file, "", "CA bundle to reach the services over TLS (plaintext when empty)");
ABSL_FLAG(std::string, oidc_issuer, "", "the OpenID provider people sign in with");
ABSL_FLAG(std::string, oidc_client_id, "ent-console", "the console's client id at the provider");
ABSL_FLAG(std::string, oidc_client_secret_file, "",
          "file holding the client secret (a confidential client); a public client with PKCE when empty");
ABSL_FLAG(std::string, oidc_resource, "https://ent-conventions.ac-montpellier.fr",
          "the services' audience, asked for as the access tokens' resource (RFC 8707)");
ABSL_FLAG(std::string, oidc_scope, "openid profile email offline_access conventions", "scopes asked for");
ABSL_FLAG(std::string, oidc_ca_file, "", "CA bundle for the provider (the system's when empty)");
ABSL_FLAG(std::string, dsfr_dir, "", "@gouvfr/dsfr's dist directory (console/node_modules/@gouvfr/dsfr/dist)");
ABSL_FLAG(int, session_idle_minutes, 30, "a session ends after this long without a request");
ABSL_FLAG(int, session_hours, 10, "a session ends this long after sign-in");
ABSL_FLAG(int, threads, 32, "requests and live pages served at once");

int main(int argc, char** argv) {
  // SIGTERM and SIGINT are waited for (sigwait), never handled: blocked in
  // every thread, started after this.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ent::ParseCommandLine(argc, argv, "ent-console: the web console of ENT-école conventions");

  ent::console::ConsoleOptions options;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &options.port) ||
      options.port < 0 || options.port > 65535) {
    std::fprintf(stderr, "ent-console: --listen: expected host:port, got '%s'\n", listen.c_str());
    return 2;
  }
  options.host = listen.substr(0, colon);
  options.public_url = absl::GetFlag(FLAGS_public_url);
  options.dsfr_dir = absl::GetFlag(FLAGS_dsfr_dir);
  options.sessions.idle = absl::Minutes(absl::GetFlag(FLAGS_session_idle_minutes));
  options.sessions.absolute = absl::Hours(absl::GetFlag(FLAGS_session_hours));
  options.threads = absl::GetFlag(FLAGS_threads);
  if (options.threads < 4 || options.threads > 1024) {
    std::fprintf(stderr, "ent-console: --threads: must be between 4 and 1024\n");
    return 2;
  }

  ent::console::OidcClientConfig oidc;
  oidc.issuer = absl::GetFlag(FLAGS_oidc_issuer);
  oidc.client_id = absl::GetFlag(FLAGS_oidc_client_id);
  oidc.resource = absl::GetFlag(FLAGS_oidc_resource);
  oidc.scope = absl::GetFlag(FLAGS_oidc_scope);
  oidc.ca_file = absl::GetFlag(FLAGS_oidc_ca_file);
  if (const std::string path = absl::GetFlag(FLAGS_oidc_client_secret_file); !path.empty()) {
    auto secret = ent::ReadOptionFileTrimmed("--oidc-client-secret-file", path);
    if (!secret.ok()) {
      std::fprintf(stderr, "ent-console: %s\n", std::string(secret.status().message()).c_str());
      return 2;
    }
    oidc.client_secret = std::move(*secret);
  }
  auto client = ent::console::OidcClient::Create(oidc);
  if (!client.ok()) {
    std::fprintf(stderr, "ent-console: %s\n", std::string(client.status().message()).c_str());
    return 2;
  }
  ent::console::BackendConfig backend;
  backend.convention = absl::GetFlag(FLAGS_convention);
  backend.billing = absl::GetFlag(FLAGS_billing);
  backend.ca_file = absl::GetFlag(FLAGS_services_ca_file);

  ent::console::ConsoleServer server(options, std::move(*client),
                                     std::make_unique<ent::console::Backend>(backend));
  if (auto st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "ent-console: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file); !port_file.empty()) {
    std::ofstream(port_file + ".tmp") << server.port() << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  std::fprintf(stderr, "ent-console: serving %s (convention-service %s, billing-service %s)\n",
               server.public_url().c_str(), backend.convention.c_str(), backend.billing.c_str());
  int signal = 0;
  sigwait(&signals, &signal);
  server.Stop();
  server.Wait();
  return 0;
}
