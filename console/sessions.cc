#include "console/sessions.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "absl/strings/escaping.h"

namespace ent::console {

std::string RandomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SessionStore::SessionStore(Options options, std::function<absl::Time()> now)
    : options_(options), now_(std::move(now)) {}

bool SessionStore::Expired(const Session& s, absl::Time now) const {
  if (now - s.last_seen > options_.idle) return true;
  return s.signed_in && now - s.signed_in_at > options_.absolute;
}

void SessionStore::EvictLocked() {
  if (sessions_.size() < options_.max_sessions) return;
  const absl::Time now = now_();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = Expired(it->second, now) ? sessions_.erase(it) : std::next(it);
  }
  // Still full: drop the least recently used anonymous session.
  while (sessions_.size() >= options_.max_sessions) {
    auto oldest = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (!it->second.signed_in &&
          (oldest == sessions_.end() || it->second.last_seen < oldest->second.last_seen)) {
        oldest = it;
      }
    }
    if (oldest == sessions_.end()) oldest = sessions_.begin();
    sessions_.erase(oldest);
  }
}

Session SessionStore::Create() {
  Session s;
  s.id = RandomToken();
  s.csrf = RandomToken();
  s.created = s.last_seen = now_();
  absl::MutexLock lock(&mu_);
  EvictLocked();
  sessions_[s.id] = s;
  return s;
}

std::optional<Session> SessionStore::Find(const std::string& id) {
  if (id.empty()) return std::nullopt;
  const absl::Time now = now_();
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

bool SessionStore::Save(const Session& s) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(s.id);
  if (it == sessions_.end()) return false;
  it->second = s;
  return true;
}

Session SessionStore::Rotate(Session s) {
  const std::string old_id = s.id;
  s.id = RandomToken();
  s.csrf = RandomToken();
  s.last_seen = now_();
  absl::MutexLock lock(&mu_);
  sessions_.erase(old_id);
  EvictLocked();
  sessions_[s.id] = s;
  return s;
}

void SessionStore::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(id);
}

size_t SessionStore::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

}  // namespace ent::console
