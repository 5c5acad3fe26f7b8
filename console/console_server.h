// ent-console's HTTP server: server-rendered pages for support staff,
// finance officers and communes' agents, signed in through the académie's
// OpenID provider and acting with their own access token on both services
// (no privilege, no database of its own).
//
// Every response carries a strict Content-Security-Policy (scripts, styles,
// fonts and images from the console only; forms post to the console only,
// and to the provider for sign-out), nosniff, no framing, no referrer outside.
// Every POST carries the session's CSRF token or is refused (403). Pages are
// never cached. Server-sent events (/evenements) relay the history as it
// commits (WatchConventionEvents, only_new) so that open pages refresh.
//
// Thread-safe: cpp-httplib serves each request on its thread pool.
#ifndef ENT_CONSOLE_CONSOLE_SERVER_H_
#define ENT_CONSOLE_CONSOLE_SERVER_H_

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "console/backend.h"
#include "console/oidc_client.h"
#include "console/sessions.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ent::console {

struct ConsoleOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port
  std::string public_url;           // as browsers reach it; http://host:port when empty
  std::string dsfr_dir;             // @gouvfr/dsfr's dist directory, served under /dsfr/
  SessionStore::Options sessions;
  int threads = 32;                 // requests and live streams served at once
};

class ConsoleServer {
 public:
  ConsoleServer(ConsoleOptions options, std::unique_ptr<OidcClient> oidc,
                std::unique_ptr<Backend> backend);
  ~ConsoleServer();

  // Binds and starts serving on a thread of its own.
  absl::Status Start();
  int port() const { return port_; }
  const std::string& public_url() const { return public_url_; }
  // Ends live streams and stops serving.
  void Stop();
  // Blocks until Stop.
  void Wait();

 private:
  class Handlers;
  ConsoleOptions options_;
  std::unique_ptr<OidcClient> oidc_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<Handlers> handlers_;
  std::string public_url_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ent::console

#endif  // ENT_CONSOLE_CONSOLE_SERVER_H_
