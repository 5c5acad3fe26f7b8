// Wakes up history watchers after a commit that appended events: those that
// follow every convention, and those that follow one of the conventions the
// commit touched (a portal's stream on its convention is not woken by the
// nation's other writes). Thread-safe. Listeners are called with the hub's
// lock held: they must not block and must not call Subscribe/Unsubscribe
// from OnNewEvents.
#ifndef ENT_CONVENTION_SERVICE_EVENT_HUB_H_
#define ENT_CONVENTION_SERVICE_EVENT_HUB_H_

#include <set>
#include <string>

#include "absl/container/flat_hash_map.h"

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ent::convention {

class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void OnNewEvents() = 0;
  // The convention (id) it follows, or "" for every one; read once, when it
  // subscribes.
  virtual std::string FollowedConvention() const { return ""; }
};

class EventHub {
 public:
  void Subscribe(EventListener* listener);
  // After it returns, `listener` is never called again.
  void Unsubscribe(EventListener* listener);
  // After a commit that appended events of `conventions` (ids); nullptr when
  // not known: every listener is woken.
  void Notify(const std::set<std::string>* conventions = nullptr);

 private:
  absl::Mutex mu_;
  std::set<EventListener*> all_ ABSL_GUARDED_BY(mu_);  // following every convention
  absl::flat_hash_map<std::string, std::set<EventListener*>> by_convention_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<EventListener*, std::string> followed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_EVENT_HUB_H_
