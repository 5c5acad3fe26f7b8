// ConventionStore on an embedded SQLite database (WAL, group commit, reader
// pool; see common/sqlite/database.h). The aggregate is stored as a JSON body
// beside the columns that lists filter on; the history is append-only,
// enforced by triggers.
#ifndef ENT_CONVENTION_STORE_SQLITE_CONVENTION_STORE_H_
#define ENT_CONVENTION_STORE_SQLITE_CONVENTION_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/sqlite/database.h"
#include "convention-service/store/convention_store.h"

namespace ent::convention {

class SqliteConventionStore final : public ConventionStore {
 public:
  // Opens or creates `path` and migrates its schema.
  static absl::StatusOr<std::unique_ptr<SqliteConventionStore>> Open(const std::string& path,
                                                                     int readers = 4);

  void Write(std::function<absl::Status(ConventionWriter&)> work,
             std::function<void(absl::Status)> done) override;
  void Read(std::function<void(ConventionReader&)> work) override;

 private:
  explicit SqliteConventionStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_SQLITE_CONVENTION_STORE_H_
