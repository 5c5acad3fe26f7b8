#include "convention-service/service/event_hub.h"

namespace ent::convention {

void EventHub::Subscribe(EventListener* listener) {
  std::string convention = listener->FollowedConvention();
  absl::MutexLock lock(&mu_);
  if (convention.empty()) {
    all_.insert(listener);
  } else {
    by_convention_[convention].insert(listener);
  }
  followed_[listener] = std::move(convention);
}

void EventHub::Unsubscribe(EventListener* listener) {
  absl::MutexLock lock(&mu_);
  auto it = followed_.find(listener);
  if (it == followed_.end()) return;
  if (it->second.empty()) {
    all_.erase(listener);
  } else if (auto f = by_convention_.find(it->second); f != by_convention_.end()) {
    f->second.erase(listener);
    if (f->second.empty()) by_convention_.erase(f);
  }
  followed_.erase(it);
}

void EventHub::Publish(const std::vector<EventRecord>& events) {
  if (events.empty()) return;
  absl::MutexLock lock(&mu_);
  if (!all_.empty()) {
    std::vector<const EventRecord*> every;
    every.reserve(events.size());
    for (const EventRecord& e : events) every.push_back(&e);
    for (EventListener* l : all_) l->OnEvents(every);
  }
  if (by_convention_.empty()) return;
  // The events of each followed convention, in order.
  absl::flat_hash_map<std::string, std::vector<const EventRecord*>> of;
  for (const EventRecord& e : events) {
    if (by_convention_.contains(e.event.convention_id)) of[e.event.convention_id].push_back(&e);
  }
  for (const auto& [id, its] : of) {
    for (EventListener* l : by_convention_.at(id)) l->OnEvents(its);
  }
}

}  // namespace ent::convention
