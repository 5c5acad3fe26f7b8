// Keeps a service's open server streams honest about who is listening:
// - when the principals are reloaded (SIGHUP), a stream whose credentials no
//   longer authenticate as the same principal (revoked token, changed role or
//   communes) ends at once with UNAUTHENTICATED;
// - a stream ends with UNAVAILABLE after `max_lifetime`, so that clients come
//   back, authenticate again and resume where they were;
// - a stream opened with an access token ends with UNAUTHENTICATED when the
//   token expires.
//
// Thread-safe. Lock order: the guard's lock, then a stream's own lock (End is
// called under the guard's lock); a stream must not call Add/Remove while it
// holds its own lock.
#ifndef ENT_COMMON_GRPC_STREAM_GUARD_H_
#define ENT_COMMON_GRPC_STREAM_GUARD_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/principal_directory.h"

namespace ent {

class GuardedStream {
 public:
  virtual ~GuardedStream() = default;
  // Ends the stream with `status`; later calls are ignored.
  virtual void End(const grpc::Status& status) = 0;
};

class StreamGuard {
 public:
  StreamGuard(const PrincipalDirectory& principals, absl::Duration max_lifetime);
  ~StreamGuard();  // stops the lifetime sweeper; every stream must be removed first

  // Registers `stream`, opened now by `principal` with the credentials it
  // presented.
  void Add(GuardedStream* stream, CallCredentials credentials, Principal principal);
  // Unregisters `stream`; call before destroying it.
  void Remove(GuardedStream* stream);
  // Call after the principals were reloaded.
  void PrincipalsReloaded();

  absl::Duration max_lifetime() const { return max_lifetime_; }

 private:
  struct Entry {
    CallCredentials credentials;
    Principal principal;
    absl::Time opened;
  };
  void Sweep();

  const PrincipalDirectory& principals_;
  const absl::Duration max_lifetime_;
  absl::Mutex mu_;
  std::map<GuardedStream*, Entry> streams_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread sweeper_;
};

}  // namespace ent

#endif  // ENT_COMMON_GRPC_STREAM_GUARD_H_
