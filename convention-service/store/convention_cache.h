// An in-memory cache of decoded conventions for the read path, so a Get does
// not decode a stored record or touch the database when the convention is
// known.
//
// Consistency: the writer publishes what a batch wrote only after its COMMIT
// and before acknowledging it, so a read that follows an acknowledged write
// sees it. Readers offer what they read from the database; an offer never replaces
// a newer version, so a slow reader cannot put back a stale copy. Write
// transactions never read through the cache (they must see their own batch).
//
// Thread-safe. Holds at most `capacity` conventions; beyond that, reads that
// miss are not cached (writes still refresh entries already cached).
#ifndef ENT_CONVENTION_STORE_CONVENTION_CACHE_H_
#define ENT_CONVENTION_STORE_CONVENTION_CACHE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "convention-service/domain/convention.h"

namespace ent::convention {

class ConventionCache {
 public:
  explicit ConventionCache(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const Convention> Lookup(const std::string& id) const;
  // From a reader: cache `c` unless a newer version is already there.
  void Offer(const Convention& c);
  // From the writer, after COMMIT: these are now the latest versions.
  void Publish(std::vector<std::shared_ptr<const Convention>> committed);

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Convention>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_CONVENTION_CACHE_H_
