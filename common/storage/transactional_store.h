// The shape every service's storage interface shares: writes run in a
// (group-committed) transaction and complete once durable; reads run now on
// a pooled connection. WriteValue/ReadValue carry a typed result through.
#ifndef ENT_COMMON_STORAGE_TRANSACTIONAL_STORE_H_
#define ENT_COMMON_STORAGE_TRANSACTIONAL_STORE_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace ent {

// Thread-safe. `Reader`/`Writer` are the service's transaction views.
template <typename Reader, typename Writer>
class TransactionalStore {
 public:
  virtual ~TransactionalStore() = default;
  // Queues `work` in a write transaction; `done` receives its error or the
  // commit's outcome, once durable. A backend whose waits can be long (over
  // the network) does not start the work after `deadline` (the caller's:
  // UNAVAILABLE), and retries transient failures until it at most.
  virtual void Write(std::function<absl::Status(Writer&)> work, std::function<void(absl::Status)> done,
                     absl::Time deadline) = 0;
  void Write(std::function<absl::Status(Writer&)> work, std::function<void(absl::Status)> done) {
    Write(std::move(work), std::move(done), absl::InfiniteFuture());
  }
  // Runs `work` now, on the calling thread. For short reads only.
  virtual void Read(const std::function<void(Reader&)>& work) = 0;
  // Runs `work` later on a store thread, in one read transaction: for reads
  // too long for a gRPC callback thread (statements, reports), and for
  // callers that must not run it inline.
  virtual void ReadAsync(std::function<void(Reader&)> work) = 0;

  template <typename T>
  void WriteValue(std::function<absl::StatusOr<T>(Writer&)> work,
                  std::function<void(absl::StatusOr<T>)> done,
                  absl::Time deadline = absl::InfiniteFuture()) {
    auto result = std::make_shared<absl::StatusOr<T>>(absl::UnknownError("not run"));
    Write(
        [result, work = std::move(work)](Writer& w) {
          *result = work(w);
          return result->status();
        },
        [result, done = std::move(done)](absl::Status st) {
          if (st.ok()) {
            done(std::move(*result));
          } else {
            done(std::move(st));
          }
        },
        deadline);
  }

  // WriteValue, waiting until durable: for background threads (retention),
  // never from a store or gRPC callback.
  template <typename T>
  absl::StatusOr<T> WriteValueSync(std::function<absl::StatusOr<T>(Writer&)> work) {
    absl::Notification done;
    absl::StatusOr<T> out = absl::UnknownError("not run");
    WriteValue<T>(std::move(work), [&](absl::StatusOr<T> r) {
      out = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return out;
  }

  // ReadAsync with a typed result; `done` runs on the store thread.
  template <typename T>
  void ReadValueAsync(std::function<absl::StatusOr<T>(Reader&)> work,
                      std::function<void(absl::StatusOr<T>)> done) {
    ReadAsync([work = std::move(work), done = std::move(done)](Reader& r) { done(work(r)); });
  }

  template <typename T>
  absl::StatusOr<T> ReadValue(const std::function<absl::StatusOr<T>(Reader&)>& work) {
    absl::StatusOr<T> result = absl::UnknownError("not run");
    Read([&](Reader& r) { result = work(r); });
    return result;
  }
};

}  // namespace ent

#endif  // ENT_COMMON_STORAGE_TRANSACTIONAL_STORE_H_
