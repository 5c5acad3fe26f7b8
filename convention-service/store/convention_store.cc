#include "convention-service/store/convention_store.h"

#include <algorithm>

namespace ent::convention {

bool Matches(const EventFilter& filter, const Event& event) {
  if (!filter.convention_id.empty() && event.convention_id != filter.convention_id) return false;
  return filter.communes_in.empty() ||
         std::find(filter.communes_in.begin(), filter.communes_in.end(), event.commune_insee) !=
             filter.communes_in.end();
}

}  // namespace ent::convention
