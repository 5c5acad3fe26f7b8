#include "convention-service/store/convention_store.h"

#include <algorithm>

namespace ent::convention {

bool Matches(const EventFilter& filter, const Event& event) {
  if (!filter.convention_id.empty() && event.convention_id != filter.convention_id) return false;
  return filter.communes_in.empty() ||
         std::find(filter.communes_in.begin(), filter.communes_in.end(), event.commune_insee) !=
             filter.communes_in.end();
}

const std::vector<std::string>& RetentionStatements() {
  static const auto* const statements = new std::vector<std::string>{
      "DELETE FROM request_log WHERE request_id IN (SELECT request_id FROM request_log "
      "WHERE time_us < $1 LIMIT $2)",
      "DELETE FROM workflow_timers WHERE id IN (SELECT id FROM workflow_timers WHERE state IN "
      "(1, 2) AND next_us < $1 LIMIT $2)",
      "DELETE FROM workflow_outbox WHERE id IN (SELECT id FROM workflow_outbox WHERE state = 1 "
      "AND delivered_us < $1 LIMIT $2)"};
  return *statements;
}

}  // namespace ent::convention
