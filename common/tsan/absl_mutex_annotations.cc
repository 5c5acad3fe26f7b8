// ThreadSanitizer builds only (ENT_SANITIZE=thread): Debian's Abseil is not
// built with TSan, so its Mutex, Notification and BlockingCounter are
// invisible to it and every access guarded by
// an absl::Mutex would be reported as a race. The linker routes our calls to
// absl::Mutex through these wrappers (-Wl,--wrap=...), which tell TSan what
// the mutex does with its mutex-annotation interface; the work inside Abseil
// (including absl::Condition evaluations) is ignored, as TSan does for a
// pthread mutex.
#include <sanitizer/tsan_interface.h>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

using absl::BlockingCounter;
using absl::Notification;
using absl::Condition;
using absl::Duration;
using absl::Mutex;

extern "C" {

#define ENT_REAL(name) __real_##name
#define ENT_WRAP(name) __wrap_##name

// absl::Mutex::Lock()
void ENT_REAL(_ZN4absl7debian35Mutex4LockEv)(Mutex* mu);
void ENT_WRAP(_ZN4absl7debian35Mutex4LockEv)(Mutex* mu) {
  __tsan_mutex_pre_lock(mu, 0);
  ENT_REAL(_ZN4absl7debian35Mutex4LockEv)(mu);
  __tsan_mutex_post_lock(mu, 0, 0);
}

// absl::Mutex::Unlock()
void ENT_REAL(_ZN4absl7debian35Mutex6UnlockEv)(Mutex* mu);
void ENT_WRAP(_ZN4absl7debian35Mutex6UnlockEv)(Mutex* mu) {
  __tsan_mutex_pre_unlock(mu, 0);
  ENT_REAL(_ZN4absl7debian35Mutex6UnlockEv)(mu);
  __tsan_mutex_post_unlock(mu, 0);
}

// absl::Mutex::ReaderLock()
void ENT_REAL(_ZN4absl7debian35Mutex10ReaderLockEv)(Mutex* mu);
void ENT_WRAP(_ZN4absl7debian35Mutex10ReaderLockEv)(Mutex* mu) {
  __tsan_mutex_pre_lock(mu, __tsan_mutex_read_lock);
  ENT_REAL(_ZN4absl7debian35Mutex10ReaderLockEv)(mu);
  __tsan_mutex_post_lock(mu, __tsan_mutex_read_lock, 0);
}

// absl::Mutex::ReaderUnlock()
void ENT_REAL(_ZN4absl7debian35Mutex12ReaderUnlockEv)(Mutex* mu);
void ENT_WRAP(_ZN4absl7debian35Mutex12ReaderUnlockEv)(Mutex* mu) {
  __tsan_mutex_pre_unlock(mu, __tsan_mutex_read_lock);
  ENT_REAL(_ZN4absl7debian35Mutex12ReaderUnlockEv)(mu);
  __tsan_mutex_post_unlock(mu, __tsan_mutex_read_lock);
}

// absl::Mutex::Await(const Condition&): releases, waits, reacquires.
void ENT_REAL(_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE)(Mutex* mu, const Condition& c);
void ENT_WRAP(_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE)(Mutex* mu, const Condition& c) {
  __tsan_mutex_pre_unlock(mu, 0);
  ENT_REAL(_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE)(mu, c);
  __tsan_mutex_post_unlock(mu, 0);
  __tsan_mutex_pre_lock(mu, 0);
  __tsan_mutex_post_lock(mu, 0, 0);
}

// absl::Mutex::AwaitWithTimeout(const Condition&, Duration)
bool ENT_REAL(_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE)(
    Mutex* mu, const Condition& c, Duration d);
bool ENT_WRAP(_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE)(
    Mutex* mu, const Condition& c, Duration d) {
  __tsan_mutex_pre_unlock(mu, 0);
  const bool met =
      ENT_REAL(_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE)(mu, c, d);
  __tsan_mutex_post_unlock(mu, 0);
  __tsan_mutex_pre_lock(mu, 0);
  __tsan_mutex_post_lock(mu, 0, 0);
  return met;
}

// absl::Mutex::~Mutex()
void ENT_REAL(_ZN4absl7debian35MutexD1Ev)(Mutex* mu);
void ENT_WRAP(_ZN4absl7debian35MutexD1Ev)(Mutex* mu) {
  __tsan_mutex_destroy(mu, 0);
  ENT_REAL(_ZN4absl7debian35MutexD1Ev)(mu);
}

// absl::Notification::Notify() / WaitForNotification(): a release and the
// matching acquire on the notification.
void ENT_REAL(_ZN4absl7debian312Notification6NotifyEv)(Notification* n);
void ENT_WRAP(_ZN4absl7debian312Notification6NotifyEv)(Notification* n) {
  __tsan_release(n);
  ENT_REAL(_ZN4absl7debian312Notification6NotifyEv)(n);
}
void ENT_REAL(_ZNK4absl7debian312Notification19WaitForNotificationEv)(const Notification* n);
void ENT_WRAP(_ZNK4absl7debian312Notification19WaitForNotificationEv)(const Notification* n) {
  ENT_REAL(_ZNK4absl7debian312Notification19WaitForNotificationEv)(n);
  __tsan_acquire(const_cast<Notification*>(n));
}

// absl::BlockingCounter::DecrementCount() / Wait(): likewise.
bool ENT_REAL(_ZN4absl7debian315BlockingCounter14DecrementCountEv)(BlockingCounter* c);
bool ENT_WRAP(_ZN4absl7debian315BlockingCounter14DecrementCountEv)(BlockingCounter* c) {
  __tsan_release(c);
  return ENT_REAL(_ZN4absl7debian315BlockingCounter14DecrementCountEv)(c);
}
void ENT_REAL(_ZN4absl7debian315BlockingCounter4WaitEv)(BlockingCounter* c);
void ENT_WRAP(_ZN4absl7debian315BlockingCounter4WaitEv)(BlockingCounter* c) {
  ENT_REAL(_ZN4absl7debian315BlockingCounter4WaitEv)(c);
  __tsan_acquire(c);
}

}  // extern "C"
