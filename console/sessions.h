// The console's server-side sessions: an unguessable id in an HttpOnly cookie,
// the rest in memory (tokens never reach the browser). A session is anonymous
// until sign-in, which replaces it by a new id (no fixation); it ends after
// `idle` without a request or `absolute` after sign-in, whichever comes first,
// and at sign-out. Restarting the console signs everyone out.
//
// Thread-safe: one mutex guards the table; Find and the setters copy.
#ifndef ENT_CONSOLE_SESSIONS_H_
#define ENT_CONSOLE_SESSIONS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ent::console {

// A sign-in under way: what the callback must find again (RFC 6749 state,
// OpenID nonce, the PKCE verifier) and where to go afterwards.
struct PendingSignIn {
  std::string state;
  std::string nonce;
  std::string verifier;
  std::string return_to;  // a path of the console
  absl::Time started;
};

// The signed-in person, as the services describe them (AdminService.GetCaller).
struct Person {
  std::string display_name;  // "Claire Martin"
  std::string email;
  std::string actor;         // as the history names them
  int role = 0;              // ent.auth.v1.Role
  std::vector<std::string> communes;  // for a commune's agent
};

// A message shown once, on the next page: what happened, in French; for a
// refusal (`error`), the service's own text as `detail` (`detail_english`
// when the service gave no French text: the page marks it lang="en").
struct Flash {
  std::string text;
  bool error = false;
  std::string detail;
  bool detail_english = false;
};

struct Session {
  std::string id;
  std::string csrf;  // the token every form carries
  absl::Time created;
  absl::Time last_seen;
  std::optional<PendingSignIn> pending;
  // Signed in:
  bool signed_in = false;
  absl::Time signed_in_at;
  std::string access_token;
  std::string refresh_token;
  std::string id_token;
  absl::Time access_expires;
  Person person;
  // Messages for the next page ("Paiement enregistré").
  std::vector<Flash> notices;
};

class SessionStore {
 public:
  struct Options {
    absl::Duration idle = absl::Minutes(30);
    absl::Duration absolute = absl::Hours(10);
    size_t max_sessions = 20000;  // the oldest anonymous sessions go first
  };
  SessionStore(Options options, std::function<absl::Time()> now);

  // A new anonymous session with a fresh id and CSRF token.
  Session Create();
  // The live session `id`, its last use set to now; nullopt when unknown or
  // expired (an expired one is removed).
  std::optional<Session> Find(const std::string& id);
  // Stores `s` under its id if that session still exists (false otherwise).
  bool Save(const Session& s);
  // Sign-in: `s` under a new id and CSRF token, the old id forgotten.
  Session Rotate(Session s);
  void Remove(const std::string& id);
  size_t size() const;

  const Options& options() const { return options_; }

 private:
  bool Expired(const Session& s, absl::Time now) const;
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mu_;
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

// 32 random bytes (OpenSSL's RAND_bytes), base64url without padding.
std::string RandomToken();
// Constant-time comparison of two secrets.
bool SameSecret(const std::string& a, const std::string& b);

}  // namespace ent::console

#endif  // ENT_CONSOLE_SESSIONS_H_
