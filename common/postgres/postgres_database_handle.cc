#include "common/postgres/postgres_database_handle.h"

#include "common/metrics/metrics.h"

namespace ent::postgres {

void PostgresDatabaseHandle::ProbeWrite(std::function<void(absl::Status)> done, absl::Time deadline) {
  db_.Write(
      [](Connection& conn) {
        return conn
            .Query("INSERT INTO health_probe (id, at_us) VALUES (1, $1) "
                   "ON CONFLICT (id) DO UPDATE SET at_us = EXCLUDED.at_us",
                   Params().Int(absl::ToUnixMicros(absl::Now())))
            .status();
      },
      std::move(done), deadline);
}

void PostgresDatabaseHandle::ObserveMetrics(const std::string& name) {
  prometheus::Registry& registry = Metrics::Instance().registry();
  prometheus::Histogram& took = prometheus::BuildHistogram()
                                    .Name("ent_postgres_transaction_seconds")
                                    .Help("Time from BEGIN to the end of a write transaction, retries included.")
                                    .Register(registry)
                                    .Add({{"database", name}}, LatencyBuckets());
  auto& outcomes = prometheus::BuildCounter()
                       .Name("ent_postgres_transactions_total")
                       .Help("Write transactions, by outcome: committed, or failed (their error answered).")
                       .Register(registry);
  prometheus::Counter& committed = outcomes.Add({{"database", name}, {"outcome", "committed"}});
  prometheus::Counter& failed = outcomes.Add({{"database", name}, {"outcome", "failed"}});
  prometheus::Counter& retries = prometheus::BuildCounter()
                                     .Name("ent_postgres_transaction_retries_total")
                                     .Help("Write transactions run again after a transient failure "
                                           "(serialization failure, deadlock, connection lost before COMMIT).")
                                     .Register(registry)
                                     .Add({{"database", name}});
  db_.SetWriteObserver([&took, &committed, &failed, &retries](const Database::WriteOutcome& o) {
    (o.committed ? committed : failed).Increment();
    if (o.retries > 0) retries.Increment(o.retries);
    if (o.committed) took.Observe(absl::ToDoubleSeconds(o.took));
  });
  Metrics::Instance().AddCollectable(std::make_shared<FunctionCollectable>([this, name] {
    double bytes = 0;
    db_.ReadNow([&](Connection& conn) {
      auto r = conn.Query("SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                          "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'");
      if (r.ok() && r->rows() == 1) bytes = static_cast<double>(r->Int(0, 0));
    });
    return std::vector<prometheus::MetricFamily>{
        GaugeFamily("ent_postgres_write_queue_depth", "Write commands waiting for a writer connection.",
                    {{{{"database", name}}, static_cast<double>(db_.queued_writes())}}),
        CounterFamily("ent_postgres_reconnects_total",
                      "Connections to PostgreSQL re-established (a restart, a failover, a closed one).",
                      {{{{"database", name}}, static_cast<double>(db_.reconnects())}}),
        GaugeFamily("ent_postgres_schema_bytes", "Size of the service's schema (tables, indexes, TOAST).",
                    {{{{"database", name}}, bytes}}),
    };
  }));
}

void PostgresDatabaseHandle::Backup(const std::string&,
                                    std::function<void(absl::StatusOr<storage::BackupFile>)> done) {
  done(absl::FailedPreconditionError(
      "this instance keeps its data in PostgreSQL: back it up with PostgreSQL's tools "
      "(pg_basebackup and WAL archiving; see the README's PostgreSQL section)"));
}

}  // namespace ent::postgres
