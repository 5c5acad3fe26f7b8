#include "common/grpc/stream_guard.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace ent {
StreamGuard::StreamGuard(const PrincipalDirectory& principals, absl::Duration max_lifetime)
    : principals_(principals), max_lifetime_(max_lifetime) {
  sweeper_ = std::thread([this] { Sweep(); });
}

StreamGuard::~StreamGuard() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  sweeper_.join();
}

void StreamGuard::Add(GuardedStream* stream, CallCredentials credentials, Principal principal) {
  absl::MutexLock lock(&mu_);
  // Stream lifetimes are operational: real time, whatever the service's clock.
  streams_[stream] = Entry{std::move(credentials), std::move(principal), absl::Now()};
}

void StreamGuard::Remove(GuardedStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

void StreamGuard::PrincipalsReloaded() {
  absl::MutexLock lock(&mu_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    absl::StatusOr<Principal> now = principals_.Authenticate(it->second.credentials);
    if (now.ok() && SamePrincipal(*now, it->second.principal)) {
      ++it;
      continue;
    }
    it->first->End(grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        absl::StrCat("the credentials of principal '", it->second.principal.name,
                     "' were revoked or changed: authenticate again")));
    it = streams_.erase(it);
  }
}

void StreamGuard::Sweep() {
  const absl::Duration period = std::min(absl::Seconds(1), max_lifetime_ / 4);
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), period);
    const absl::Time now = absl::Now();
    for (auto it = streams_.begin(); it != streams_.end();) {
      if (now >= it->second.principal.expires) {
        it->first->End(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                    "the access token expired: sign in again and resume after "
                                    "the last sequence received"));
        it = streams_.erase(it);
        continue;
      }
      if (now - it->second.opened < max_lifetime_) {
        ++it;
        continue;
      }
      it->first->End(grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("stream lifetime of ", absl::FormatDuration(max_lifetime_),
                       " reached: reconnect and resume after the last sequence received")));
      it = streams_.erase(it);
    }
  }
}

}  // namespace ent
