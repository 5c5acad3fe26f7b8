#include "common/sqlite/sqlite_database_handle.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/metrics/metrics.h"

namespace ent::sqlite {

void SqliteDatabaseHandle::ProbeWrite(std::function<void(absl::Status)> done, absl::Time) {
  db_.Write(
      [](Connection& conn) {
        auto stmt = conn.Prepare(
            "INSERT INTO health_probe (id, at_us) VALUES (1, ?1) "
            "ON CONFLICT (id) DO UPDATE SET at_us = ?1");
        if (!stmt.ok()) return stmt.status();
        stmt->Bind(1, absl::ToUnixMicros(absl::Now()));
        return stmt->Run();
      },
      std::move(done));
}

void SqliteDatabaseHandle::ObserveMetrics(const std::string& name) {
  prometheus::Registry& registry = Metrics::Instance().registry();
  prometheus::Histogram& commit = prometheus::BuildHistogram()
                                      .Name("ent_sqlite_commit_seconds")
                                      .Help("Time from BEGIN to a durable COMMIT of a group-commit batch.")
                                      .Register(registry)
                                      .Add({{"database", name}}, LatencyBuckets());
  prometheus::Histogram& jobs = prometheus::BuildHistogram()
                                    .Name("ent_sqlite_batch_jobs")
                                    .Help("Write commands committed together in one group-commit batch.")
                                    .Register(registry)
                                    .Add({{"database", name}},
                                         prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64,
                                                                                 128, 256, 512});
  prometheus::Counter& failed = prometheus::BuildCounter()
                                    .Name("ent_sqlite_batches_failed_total")
                                    .Help("Group-commit batches that did not commit (disk errors).")
                                    .Register(registry)
                                    .Add({{"database", name}});
  db_.SetBatchObserver([&commit, &jobs, &failed](size_t n, absl::Duration took, bool committed) {
    if (!committed) {
      failed.Increment();
      return;
    }
    commit.Observe(absl::ToDoubleSeconds(took));
    jobs.Observe(static_cast<double>(n));
  });
  Metrics::Instance().AddCollectable(std::make_shared<FunctionCollectable>([this, name] {
    std::error_code ec;
    const auto size = [&ec](const std::string& file) {
      const auto bytes = std::filesystem::file_size(file, ec);
      return ec ? 0.0 : static_cast<double>(bytes);
    };
    return std::vector<prometheus::MetricFamily>{
        GaugeFamily("ent_sqlite_write_queue_depth", "Write commands waiting for the writer.",
                    {{{{"database", name}}, static_cast<double>(db_.queued_writes())}}),
        GaugeFamily("ent_sqlite_database_bytes", "Size of the database file.",
                    {{{{"database", name}}, size(path_)}}),
        GaugeFamily("ent_sqlite_wal_bytes", "Size of the write-ahead log.",
                    {{{{"database", name}}, size(path_ + "-wal")}}),
    };
  }));
}

void SqliteDatabaseHandle::Backup(const std::string& path,
                                  std::function<void(absl::StatusOr<storage::BackupFile>)> done) {
  const std::filesystem::path directory = std::filesystem::path(path).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return done(absl::UnavailableError(
        absl::StrCat("cannot create the backup directory ", directory.string(), ": ", ec.message())));
  }
  db_.ReadAsync([path, done = std::move(done)](Connection& conn) {
    int64_t version = 0;
    if (auto stmt = conn.Prepare("PRAGMA user_version"); stmt.ok() && stmt->Step().value_or(false)) {
      version = stmt->ColumnInt64(0);
    }
    absl::StatusOr<std::string> integrity = conn.BackupTo(path);
    if (!integrity.ok()) return done(integrity.status());
    storage::BackupFile file;
    std::error_code size_error;
    file.path = path;
    file.size_bytes = static_cast<int64_t>(std::filesystem::file_size(path, size_error));
    file.schema_version = static_cast<int32_t>(version);
    file.integrity = *integrity;
    done(std::move(file));
  });
}

}  // namespace ent::sqlite
