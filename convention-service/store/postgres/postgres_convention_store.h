// ConventionStore on PostgreSQL (common/postgres/database.h), for several
// instances of convention-service on one database, in the schema
// `convention`. What SQLite's single writer gave for free is explicit here:
//  - LockCommune is a transaction-scoped advisory lock; the unique indexes
//    behind "one live renewal" and "one open dispute" are the same;
//  - event sequences come from one counter row, updated by the appending
//    transaction and locked by it until it ends: a later commit never takes a
//    smaller sequence, and a rolled back one gives its numbers back (the
//    history is gap-free and commit-ordered, as the contract requires);
//  - timers are claimed with FOR UPDATE SKIP LOCKED (postgres_timer_table.h);
//    one instance dispatches the outbox at a time (postgres_outbox.h);
//  - the committed-events observer is fed by a tailer that reads the history
//    after the last sequence it saw - this instance's commits (it is woken by
//    them) and the other instances' (it looks every kTailInterval); a failed
//    read is logged, counted and retried, an event that does not decode is
//    reported and passed over (never a silent stop);
//  - WatchTimers listens (LISTEN/NOTIFY) for the timers any writer makes
//    pending (postgres_timer_table.h's trigger).
// No read cache: another instance may have changed what it would hold.
#ifndef ENT_CONVENTION_STORE_POSTGRES_POSTGRES_CONVENTION_STORE_H_
#define ENT_CONVENTION_STORE_POSTGRES_POSTGRES_CONVENTION_STORE_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/postgres/database.h"
#include "common/postgres/listener.h"
#include "convention-service/store/convention_store.h"
#include "workflow/postgres/postgres_outbox.h"

namespace ent::convention {

class PostgresConventionStore final : public ConventionStore {
 public:
  // Connects to `uri` (every wait bounded by `timeouts`) and migrates the `convention` schema.
  static absl::StatusOr<std::unique_ptr<PostgresConventionStore>> Open(const std::string& uri,
                                                                  const postgres::Timeouts& timeouts = {});
  ~PostgresConventionStore() override;

  using TransactionalStore::Write;
  void Write(std::function<absl::Status(ConventionWriter&)> work, std::function<void(absl::Status)> done,
             absl::Time deadline) override;
  void Read(const std::function<void(ConventionReader&)>& work) override;
  void ReadAsync(std::function<void(ConventionReader&)> work) override;
  workflow::OutboxStore& outbox_store() override { return *outbox_store_; }
  // Events reach `observer` from the tailer thread, started here.
  void SetCommittedEventsObserver(
      std::function<void(const std::vector<EventRecord>&)> observer) override;
  void WatchTimers(std::function<void()> changed) override;
  postgres::Database& database() { return *db_; }

  static constexpr absl::Duration kTailInterval = absl::Milliseconds(100);

 private:
  PostgresConventionStore() = default;
  void TailLoop(int64_t last);

  std::unique_ptr<postgres::Database> db_;
  std::unique_ptr<workflow::PostgresOutboxStore> outbox_store_;
  std::unique_ptr<postgres::Listener> timer_listener_;
  std::function<void(const std::vector<EventRecord>&)> observer_;  // set before the tailer starts

  absl::Mutex tail_mu_;
  bool tail_wanted_ ABSL_GUARDED_BY(tail_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(tail_mu_) = false;
  std::thread tailer_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_POSTGRES_POSTGRES_CONVENTION_STORE_H_
