// Hands the events this service commits to the history watchers, as they
// commit: those that follow every convention get every event, those that
// follow one convention get its events only (a portal's stream on its
// convention is not woken by the nation's other writes). Fed by the store's
// committed-events observer (ConventionStore::SetCommittedEventsObserver):
// one batch at a time, in commit order.
//
// Thread-safe. Listeners are called with the hub's lock held: they must not
// block and must not call Subscribe/Unsubscribe from OnEvents. A listener
// subscribed before a read of the history starts receives every event that
// read might not see.
#ifndef ENT_CONVENTION_SERVICE_EVENT_HUB_H_
#define ENT_CONVENTION_SERVICE_EVENT_HUB_H_

#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "convention-service/domain/convention.h"

namespace ent::convention {

class EventListener {
 public:
  virtual ~EventListener() = default;
  // Events just committed that concern it (of the convention it follows, or
  // all), in sequence order; never empty.
  virtual void OnEvents(const std::vector<const EventRecord*>& events) = 0;
  // The convention (id) it follows, or "" for every one; read once, when it
  // subscribes.
  virtual std::string FollowedConvention() const { return ""; }
};

class EventHub {
 public:
  void Subscribe(EventListener* listener);
  // After it returns, `listener` is never called again.
  void Unsubscribe(EventListener* listener);
  // The events of one committed transaction, in sequence order. Called one
  // batch at a time, in commit order.
  void Publish(const std::vector<EventRecord>& events);

 private:
  absl::Mutex mu_;
  std::set<EventListener*> all_ ABSL_GUARDED_BY(mu_);  // following every convention
  absl::flat_hash_map<std::string, std::set<EventListener*>> by_convention_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<EventListener*, std::string> followed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_EVENT_HUB_H_
