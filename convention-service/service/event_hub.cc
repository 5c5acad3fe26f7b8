#include "convention-service/service/event_hub.h"

namespace ent::convention {

void EventHub::Subscribe(EventListener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_.insert(listener);
}

void EventHub::Unsubscribe(EventListener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_.erase(listener);
}

void EventHub::Notify() {
  absl::MutexLock lock(&mu_);
  for (EventListener* l : listeners_) l->OnNewEvents();
}

}  // namespace ent::convention
