// The narrow storage boundary of convention-service. Domain and service code
// see only these interfaces; the SQLite implementation is one of them, and a
// PostgreSQL one could be added without touching the callers.
#ifndef ENT_CONVENTION_STORE_CONVENTION_STORE_H_
#define ENT_CONVENTION_STORE_CONVENTION_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/sqlite/transactional_store.h"
#include <variant>

#include "convention-service/domain/convention.h"
#include "convention-service/domain/dispute.h"
#include "workflow/outbox/outbox.h"
#include "workflow/timers/timer_table.h"

namespace ent::convention {

struct ListFilter {
  std::string commune_insee;              // empty: any
  std::vector<std::string> communes_in;   // empty: any; else only these communes
  std::optional<State> state;             // nullopt: any
  std::optional<SchoolYear> school_year;
};

struct EventFilter {
  std::string convention_id;              // empty: every convention
  std::vector<std::string> communes_in;   // empty: any; else only these communes
};

struct DisputeFilter {
  std::string convention_id;              // empty: every convention
  std::vector<std::string> communes_in;   // empty: any; else only these communes
  std::optional<DisputeState> state;
  std::optional<CivilDate> deadline_before;  // pending deadline's last day before this
};

// What a mutating request answered.
using Response = std::variant<Convention, Dispute>;

// The first response to a mutating request, kept to answer its retries.
struct StoredResponse {
  std::string request_id;
  std::string fingerprint;  // identifies the request's content
  Response response;
};

// Reads, inside a read or write transaction.
class ConventionReader {
 public:
  virtual ~ConventionReader() = default;
  virtual absl::StatusOr<std::optional<Convention>> Get(const std::string& id) = 0;
  // Conventions matching `filter` with id > `after_id`, by id, at most `limit`.
  virtual absl::StatusOr<std::vector<Convention>> List(const ListFilter& filter,
                                                       const std::string& after_id, int limit) = 0;
  // Events matching `filter` with sequence > `after_sequence`, oldest first,
  // at most `limit`.
  virtual absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventFilter& filter,
                                                              int64_t after_sequence,
                                                              int limit) = 0;
  virtual absl::StatusOr<std::optional<Dispute>> GetDispute(const std::string& convention_id,
                                                            int64_t number) = 0;
  // Disputes matching `filter` after (convention_id, number) = `after`, in
  // that order, at most `limit`.
  virtual absl::StatusOr<std::vector<Dispute>> ListDisputes(
      const DisputeFilter& filter, const std::pair<std::string, int64_t>& after, int limit) = 0;
  // The durable timers, in the same transaction.
  virtual workflow::TimerTable& timers() = 0;
};

// Reads and writes inside one write transaction.
class ConventionWriter : public ConventionReader {
 public:
  // Inserts or replaces the aggregate.
  virtual absl::Status Put(const Convention& c) = 0;
  virtual absl::Status PutDispute(const Dispute& d) = 0;
  // Appends to the history; returns the event's sequence number.
  virtual absl::StatusOr<int64_t> AppendEvent(const EventRecord& record) = 0;
  virtual absl::StatusOr<std::optional<StoredResponse>> FindResponse(
      const std::string& request_id) = 0;
  virtual absl::Status SaveResponse(const StoredResponse& response, absl::Time time) = 0;
  // Messages for other services, in the same transaction.
  virtual workflow::OutboxWriter& outbox() = 0;
  // Runs `work` inside the transaction so that, if it fails, everything it
  // wrote is undone and the rest of the transaction goes on (a savepoint);
  // returns work's status, or the store's if undoing failed (then the whole
  // transaction fails). How one bad timer leaves the others of its batch.
  virtual absl::Status Isolated(const std::function<absl::Status()>& work) = 0;
  // Retention: deletes at most `limit` rows that only served their time —
  // stored answers of requests, fired or cancelled timers, delivered outbox
  // messages — older than `cutoff`; returns how many. History, conventions and
  // disputes are never pruned.
  virtual absl::StatusOr<int64_t> PruneBefore(absl::Time cutoff, int limit) = 0;
};

// Thread-safe. Work functions run on the store's threads; a write's
// completion runs only once its transaction is durable.
class ConventionStore : public TransactionalStore<ConventionReader, ConventionWriter> {
 public:
  // Runs `work` later on a store thread (for callers that must not run it
  // inline, e.g. under their own lock).
  virtual void ReadAsync(std::function<void(ConventionReader&)> work) = 0;
  // The outbox as its dispatcher sees it.
  virtual workflow::OutboxStore& outbox_store() = 0;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_CONVENTION_STORE_H_
