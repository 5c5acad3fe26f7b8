#include "convention-service/store/convention_cache.h"

namespace ent::convention {

std::shared_ptr<const Convention> ConventionCache::Lookup(const std::string& id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

void ConventionCache::Offer(const Convention& c) {
  auto copy = std::make_shared<const Convention>(c);
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(c.id);
  if (it == entries_.end()) {
    if (entries_.size() < capacity_) entries_.emplace(c.id, std::move(copy));
  } else if (it->second->version < c.version) {
    it->second = std::move(copy);
  }
}

void ConventionCache::Publish(std::vector<std::shared_ptr<const Convention>> committed) {
  absl::MutexLock lock(&mu_);
  for (auto& c : committed) {
    auto it = entries_.find(c->id);
    if (it != entries_.end()) {
      it->second = std::move(c);
    } else if (entries_.size() < capacity_) {
      entries_.emplace(c->id, std::move(c));
    }
  }
}

}  // namespace ent::convention
