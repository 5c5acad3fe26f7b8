// Wakes up history watchers after a commit that appended events.
// Thread-safe. Listeners are called with the hub's lock held: they must not
// block and must not call Subscribe/Unsubscribe from OnNewEvents.
#ifndef ENT_CONVENTION_SERVICE_EVENT_HUB_H_
#define ENT_CONVENTION_SERVICE_EVENT_HUB_H_

#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ent::convention {

class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void OnNewEvents() = 0;
};

class EventHub {
 public:
  void Subscribe(EventListener* listener);
  // After it returns, `listener` is never called again.
  void Unsubscribe(EventListener* listener);
  void Notify();

 private:
  absl::Mutex mu_;
  std::set<EventListener*> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_EVENT_HUB_H_
