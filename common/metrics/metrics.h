// The services' Prometheus metrics (prometheus-cpp), served in the text
// format at /metrics on --metrics-listen (off by default):
//  - RPCs, under the names the gRPC ecosystem uses (go-grpc-prometheus):
//    grpc_server_started_total, grpc_server_handled_total{grpc_code} and the
//    grpc_server_handling_seconds histogram, labelled grpc_service,
//    grpc_method, grpc_type;
//  - storage, registered by the database's handle (storage::DatabaseHandle::
//    ObserveMetrics): on SQLite ent_sqlite_commit_seconds and
//    ent_sqlite_batch_jobs histograms, the writer's queue depth, the database
//    and WAL sizes; on PostgreSQL ent_postgres_transaction_seconds,
//    transactions by outcome, retries, reconnections, the write queue and the
//    schema's size;
//  - what a service adds as a collector, computed at scrape time (the
//    workflow's timers and outbox, in convention-service).
// Thread-safe.
#ifndef ENT_COMMON_METRICS_METRICS_H_
#define ENT_COMMON_METRICS_METRICS_H_

#include <memory>
#include <string>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent {

class Metrics {
 public:
  // The process's metrics (one registry per process).
  static Metrics& Instance();

  // An RPC received (grpc_type: "unary" or "server_stream") and finished.
  void RpcStarted(const std::string& method_path, const std::string& type);
  void RpcHandled(const std::string& method_path, const std::string& type, const std::string& code,
                  absl::Duration latency);

  // A timer fired `lag` after it fell due (on the service's clock).
  void TimerFired(const std::string& kind, absl::Duration lag);
  // A delivery attempt of an outbox notice: "delivered", "failed" or "dead".
  void NoticeAttempt(const std::string& outcome);

  // The committed-events tailer (PostgreSQL) could not read the history
  // ("read": retried) or passed over an event that does not decode
  // ("undecodable").
  void EventTailFailure(const std::string& reason);
  // A deposed outbox dispatcher's outcomes, refused by the lease's fence.
  void OutboxOutcomesFenced(int64_t outcomes);
  // A call refused by authentication, by gRPC code ("UNAUTHENTICATED",
  // "PERMISSION_DENIED" for a signed-in person without a role or commune).
  void AuthRefused(const std::string& code);

  // Adds metrics computed at each scrape.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);

  // Serves /metrics on `listen` (HOST:PORT, port 0 picks one); returns the
  // bound port. Once per process.
  absl::StatusOr<int> Serve(const std::string& listen);

  prometheus::Registry& registry() { return *registry_; }

 private:
  Metrics();
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Histogram>& timer_lag_;
  prometheus::Family<prometheus::Counter>& notice_attempts_;
  prometheus::Family<prometheus::Counter>& tail_failures_;
  prometheus::Family<prometheus::Counter>& outbox_fenced_;
  prometheus::Family<prometheus::Counter>& auth_refused_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

// The buckets of every latency histogram (seconds, 0.5 ms to 10 s).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

// A collector from a function returning metric families (for gauges read
// from the database at scrape time).
class FunctionCollectable final : public prometheus::Collectable {
 public:
  explicit FunctionCollectable(std::function<std::vector<prometheus::MetricFamily>()> collect)
      : collect_(std::move(collect)) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return collect_(); }

 private:
  std::function<std::vector<prometheus::MetricFamily>()> collect_;
};

// One gauge family with one metric per label value, for FunctionCollectable.
prometheus::MetricFamily GaugeFamily(const std::string& name, const std::string& help,
                                     const std::vector<std::pair<prometheus::Labels, double>>& values);
// Likewise, a counter kept elsewhere (a total that only grows).
prometheus::MetricFamily CounterFamily(const std::string& name, const std::string& help,
                                       const std::vector<std::pair<prometheus::Labels, double>>& values);

}  // namespace ent

#endif  // ENT_COMMON_METRICS_METRICS_H_
