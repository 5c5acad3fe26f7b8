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

void EventHub::Notify(const std::set<std::string>* conventions) {
  absl::MutexLock lock(&mu_);
  for (EventListener* l : all_) l->OnNewEvents();
  if (conventions == nullptr) {
    for (auto& [id, listeners] : by_convention_) {
      for (EventListener* l : listeners) l->OnNewEvents();
    }
    return;
  }
  for (const std::string& id : *conventions) {
    auto f = by_convention_.find(id);
    if (f == by_convention_.end()) continue;
    for (EventListener* l : f->second) l->OnNewEvents();
  }
}

}  // namespace ent::convention
