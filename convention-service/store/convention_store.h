// The narrow storage boundary of convention-service. Domain and service code
// see only these interfaces; SQLite and PostgreSQL implement them, and this
// file's contract holds on both (tests/unit/convention_store_conformance_test).
//
// Concurrency contract (what every implementation keeps, whatever the number
// of concurrent writers; SQLite keeps it trivially, with one writer):
//  - A write transaction sees its own writes and a snapshot of what committed
//    before it; its writes are all or nothing.
//  - Put and PutDispute are conditional on the aggregate's version: they write
//    only if the stored version is the written one minus 1 (absent for
//    version 1), and fail with ABORTED otherwise (someone else changed it
//    since it was read: retry the whole command).
//  - In a write transaction, Get, GetDispute and Preload lock what they read
//    until the transaction ends: a concurrent writer of the same aggregate
//    waits, then reads what committed, so that commands on one convention
//    run one after the other rather than fail ABORTED (the version check
//    stays the last guard).
//  - Rules across several aggregates take a lock first: LockCommune before
//    reading what "one convention in force per commune", "one renewal per
//    convention" and id allocation depend on. The database backs each with a
//    unique constraint where one can say it (one live renewal per
//    convention, one open dispute per convention, dispute numbers), whose
//    violation is ABORTED too.
//  - Event sequences are commit-ordered: no transaction that commits later
//    appends an event with a smaller sequence than one already visible, so a
//    reader resuming after sequence N never misses an event (the stream's
//    cursor is gap-free).
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
#include "common/storage/transactional_store.h"
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

// Whether `filter` (as ListEvents applies it) lets `event` through.
bool Matches(const EventFilter& filter, const Event& event);

// What PruneBefore deletes, the same on every backend: one statement per
// kind of row that only served its time ($1 the cutoff in µs, $2 the limit;
// SQLite reads them as ?1 and ?2).
const std::vector<std::string>& RetentionStatements();

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
// A count of conventions (entity "convention") or disputes ("dispute") in
// one state (State or DisputeState, as stored).
struct StateCount {
  std::string entity;
  int state = 0;
  int64_t n = 0;
};

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
  // Conventions of `commune` that took effect and whose period in force
  // (effective date to last day in force) meets [from, to], other than
  // `except_id`, by id. What "one convention in force per commune" is checked
  // against.
  virtual absl::StatusOr<std::vector<Convention>> InForceDuring(const std::string& commune,
                                                                CivilDate from, CivilDate to,
                                                                const std::string& except_id) = 0;
  // The convention, not cancelled, that renews `id`, if any.
  virtual absl::StatusOr<std::optional<Convention>> RenewalOf(const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<Dispute>> GetDispute(const std::string& convention_id,
                                                            int64_t number) = 0;
  // The open dispute of a convention (Dispute::IsOpen), if any.
  virtual absl::StatusOr<std::optional<Dispute>> OpenDisputeOf(const std::string& convention_id) = 0;
  // The highest dispute number of a convention, 0 if it has none.
  virtual absl::StatusOr<int64_t> LastDisputeNumber(const std::string& convention_id) = 0;
  // Disputes matching `filter` after (convention_id, number) = `after`, in
  // that order, at most `limit`.
  virtual absl::StatusOr<std::vector<Dispute>> ListDisputes(
      const DisputeFilter& filter, const std::pair<std::string, int64_t>& after, int limit) = 0;
  // How many conventions and disputes are in each state, from the
  // state_counts table the triggers keep (never the tables themselves).
  virtual absl::StatusOr<std::vector<StateCount>> CountStates() = 0;
  // The durable timers, in the same transaction.
  virtual workflow::TimerTable& timers() = 0;
};

// Reads and writes inside one write transaction.
class ConventionWriter : public ConventionReader {
 public:
  // Writes the aggregate at version c.version: inserts it (version 1) or
  // replaces version c.version - 1; ABORTED if the stored version is another
  // (or, for version 1, if the id is taken).
  virtual absl::Status Put(const Convention& c) = 0;
  // Likewise for a dispute, on d.version; ABORTED also when opening a second
  // open dispute on a convention.
  virtual absl::Status PutDispute(const Dispute& d) = 0;
  // Serializes, until this transaction ends, the writers that decide on the
  // set of a commune's conventions (creation and its id, activation against
  // the others in force, renewal). Call it before reading what the decision
  // depends on. Re-entrant within a transaction.
  virtual absl::Status LockCommune(const std::string& insee) = 0;
  // Appends to the history. The event's sequence number (commit-ordered, see
  // above) is the store's: ListEvents returns it; not returned here, so that
  // a backend over the network can send the insert with the transaction's
  // next statement.
  virtual absl::Status AppendEvent(const EventRecord& record) = 0;
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
  // A hint before reading many conventions one at a time in this
  // transaction (a batch of timers): a backend over the network may read
  // `convention_ids` and their disputes now, at once, so that Get and
  // GetDispute of them then answer without a round trip each. They answer
  // as they would have: with what this transaction wrote since, and not
  // with what a failed Isolated undid. Other backends ignore it.
  virtual absl::Status Preload(const std::vector<std::string>& convention_ids) {
    (void)convention_ids;
    return absl::OkStatus();
  }
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
  // The outbox as its dispatcher sees it.
  virtual workflow::OutboxStore& outbox_store() = 0;
  // Every event, once committed: `observer` is called with committed events
  // (sequence set), each once, in sequence order, which is commit order;
  // calls come one at a time (so a reader who has read the history up to a
  // snapshot, and observed every call since before it, has missed nothing),
  // never with what was rolled back. SQLite calls it once per committed
  // transaction, before the writer's completion; PostgreSQL from a tailer
  // that also reports the other instances' commits, soon after. It must not
  // block. Set once, before the first write.
  virtual void SetCommittedEventsObserver(
      std::function<void(const std::vector<EventRecord>&)> observer) = 0;
  // Calls `changed` whenever a timer may have been made pending by another
  // process sharing the database (another instance, a tool): a wake-up for
  // this process's timer engine, which this process's own commits wake
  // already. It runs on a store thread and must not block. SQLite never
  // calls it (one process owns the file); PostgreSQL listens for the timer
  // table's notifications, and calls it after each (re)connection too. Set
  // once, before the first write.
  virtual void WatchTimers(std::function<void()> changed) { (void)changed; }
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_CONVENTION_STORE_H_
