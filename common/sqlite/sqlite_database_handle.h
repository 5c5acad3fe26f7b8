// storage::DatabaseHandle of a service's SQLite file: the probe rewrites
// `health_probe` through the group-committing writer, metrics observe its
// batches and file sizes, backups use SQLite's online backup API.
#ifndef ENT_COMMON_SQLITE_SQLITE_DATABASE_HANDLE_H_
#define ENT_COMMON_SQLITE_SQLITE_DATABASE_HANDLE_H_

#include <string>

#include "common/sqlite/database.h"
#include "common/storage/database_handle.h"

namespace ent::sqlite {

class SqliteDatabaseHandle final : public storage::DatabaseHandle {
 public:
  // `db` (the file at `path`) outlives the handle.
  SqliteDatabaseHandle(Database& db, std::string path) : db_(db), path_(std::move(path)) {}

  std::string backend() const override { return "sqlite"; }
  bool shared_by_instances() const override { return false; }
  void ProbeWrite(std::function<void(absl::Status)> done, absl::Time deadline) override;
  void ObserveMetrics(const std::string& name) override;
  void Backup(const std::string& path,
              std::function<void(absl::StatusOr<storage::BackupFile>)> done) override;
  // One process owns the file and its writer answers from the disk: there
  // is no remote wait to cut short.
  void Close() override {}

 private:
  Database& db_;
  const std::string path_;
};

}  // namespace ent::sqlite

#endif  // ENT_COMMON_SQLITE_SQLITE_DATABASE_HANDLE_H_
