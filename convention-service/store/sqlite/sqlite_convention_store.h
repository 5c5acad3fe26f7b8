// ConventionStore on an embedded SQLite database (WAL, group commit, reader
// pool; see common/sqlite/database.h). The aggregate is stored as a JSON body
// beside the columns that lists filter on; the history is append-only,
// enforced by triggers. Gets on the read path go through a ConventionCache.
#ifndef ENT_CONVENTION_STORE_SQLITE_SQLITE_CONVENTION_STORE_H_
#define ENT_CONVENTION_STORE_SQLITE_SQLITE_CONVENTION_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/sqlite/database.h"
#include "convention-service/store/convention_cache.h"
#include "workflow/sqlite/sqlite_outbox.h"
#include "convention-service/store/convention_store.h"

namespace ent::convention {

class SqliteConventionStore final : public ConventionStore {
 public:
  // Opens or creates `path` and migrates its schema.
  static absl::StatusOr<std::unique_ptr<SqliteConventionStore>> Open(const std::string& path);

  using TransactionalStore::Write;
  void Write(std::function<absl::Status(ConventionWriter&)> work, std::function<void(absl::Status)> done,
             absl::Time deadline) override;
  void Read(const std::function<void(ConventionReader&)>& work) override;
  void ReadAsync(std::function<void(ConventionReader&)> work) override;
  workflow::OutboxStore& outbox_store() override { return *outbox_store_; }
  void SetCommittedEventsObserver(
      std::function<void(const std::vector<EventRecord>&)> observer) override {
    events_observer_ = std::move(observer);
  }
  // The database itself, for operations (online backups).
  sqlite::Database& database() { return *db_; }

  // What a write transaction put and appended (events with their sequence).
  struct Written {
    std::vector<std::shared_ptr<const Convention>> puts;
    std::vector<EventRecord> events;
  };

 private:
  SqliteConventionStore() : cache_(kCacheCapacity) {}
  static constexpr size_t kCacheCapacity = 200000;

  ConventionCache cache_;
  std::function<void(const std::vector<EventRecord>&)> events_observer_;  // set before writes
  // What the succeeded jobs of the batch being written have put and appended;
  // writer thread only.
  Written batch_;
  // Destroyed before the members above, which its threads use.
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<workflow::SqliteOutboxStore> outbox_store_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_SQLITE_SQLITE_CONVENTION_STORE_H_
