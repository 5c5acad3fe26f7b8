// storage::DatabaseHandle of a service's PostgreSQL schema: the probe
// rewrites `health_probe` within its deadline, metrics observe write
// transactions, reconnections and the schema's size; backups are
// PostgreSQL's own (pg_basebackup, WAL archiving); Close cuts every wait.
#ifndef ENT_COMMON_POSTGRES_POSTGRES_DATABASE_HANDLE_H_
#define ENT_COMMON_POSTGRES_POSTGRES_DATABASE_HANDLE_H_

#include <string>

#include "common/postgres/database.h"
#include "common/storage/database_handle.h"

namespace ent::postgres {

class PostgresDatabaseHandle final : public storage::DatabaseHandle {
 public:
  // `db` outlives the handle.
  explicit PostgresDatabaseHandle(Database& db) : db_(db) {}

  std::string backend() const override { return "postgresql"; }
  bool shared_by_instances() const override { return true; }
  void ProbeWrite(std::function<void(absl::Status)> done, absl::Time deadline) override;
  void ObserveMetrics(const std::string& name) override;
  void Backup(const std::string& path,
              std::function<void(absl::StatusOr<storage::BackupFile>)> done) override;
  void Close() override { db_.Close(); }

 private:
  Database& db_;
};

}  // namespace ent::postgres

#endif  // ENT_COMMON_POSTGRES_POSTGRES_DATABASE_HANDLE_H_
