#include "common/metrics/metrics.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ent {
namespace {

// "/ent.convention.v1.ConventionService/GetConvention" → (service, method).
std::pair<std::string, std::string> Split(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (path.empty() || slash == std::string::npos || slash == 0) return {"unknown", path};
  return {path.substr(1, slash - 1), path.substr(slash + 1)};
}

}  // namespace

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

Metrics& Metrics::Instance() {
  static Metrics* const metrics = new Metrics();
  return *metrics;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(*registry_)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, regardless of success or failure.")
                   .Register(*registry_)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Histogram of response latency (seconds) of gRPC that had been "
                                  "application-level handled by the server.")
                            .Register(*registry_)),
      timer_lag_(prometheus::BuildHistogram()
                     .Name("ent_workflow_timer_fire_lag_seconds")
                     .Help("From a timer's due instant to the commit of its firing (service clock).")
                     .Register(*registry_)),
      notice_attempts_(prometheus::BuildCounter()
                           .Name("ent_outbox_delivery_attempts_total")
                           .Help("Delivery attempts of outbox notices to billing-service, by outcome.")
                           .Register(*registry_)),
      tail_failures_(prometheus::BuildCounter()
                         .Name("ent_event_tail_failures_total")
                         .Help("Committed-events tailer (PostgreSQL): history reads that failed "
                               "(reason=read, retried) and events passed over because they do not "
                               "decode (reason=undecodable).")
                         .Register(*registry_)),
      outbox_fenced_(prometheus::BuildCounter()
                         .Name("ent_outbox_fenced_outcomes_total")
                         .Help("Delivery outcomes of a deposed outbox dispatcher, refused by the "
                               "lease's epoch (PostgreSQL).")
                         .Register(*registry_)),
      auth_refused_(prometheus::BuildCounter()
                        .Name("ent_auth_refused_total")
                        .Help("Calls refused while authenticating the caller, by gRPC code.")
                        .Register(*registry_)) {}

void Metrics::EventTailFailure(const std::string& reason) {
  tail_failures_.Add({{"reason", reason}}).Increment();
}

void Metrics::AuthRefused(const std::string& code) { auth_refused_.Add({{"code", code}}).Increment(); }

void Metrics::OutboxOutcomesFenced(int64_t outcomes) {
  outbox_fenced_.Add({}).Increment(static_cast<double>(outcomes));
}

void Metrics::TimerFired(const std::string& kind, absl::Duration lag) {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 86400};
  timer_lag_.Add({{"kind", kind}}, *buckets).Observe(absl::ToDoubleSeconds(lag));
}

void Metrics::NoticeAttempt(const std::string& outcome) {
  notice_attempts_.Add({{"outcome", outcome}}).Increment();
}

void Metrics::RpcStarted(const std::string& method_path, const std::string& type) {
  const auto [service, method] = Split(method_path);
  started_.Add({{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type}}).Increment();
}

void Metrics::RpcHandled(const std::string& method_path, const std::string& type,
                         const std::string& code, absl::Duration latency) {
  const auto [service, method] = Split(method_path);
  handled_.Add({{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type},
                {"grpc_code", code}})
      .Increment();
  handling_seconds_
      .Add({{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type}},
           LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::AddCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(collectable);
  if (exposer_) exposer_->RegisterCollectable(collectable);
}

absl::StatusOr<int> Metrics::Serve(const std::string& listen) {
  if (exposer_) return absl::FailedPreconditionError("metrics are already served");
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("--metrics-listen: cannot serve metrics on ", listen, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  for (const auto& c : collectables_) exposer_->RegisterCollectable(c);
  const std::vector<int> ports = exposer_->GetListeningPorts();
  if (ports.empty()) return absl::UnavailableError("--metrics-listen: no port bound");
  return ports[0];
}

namespace {

prometheus::MetricFamily Family(const std::string& name, const std::string& help, prometheus::MetricType type,
                                const std::vector<std::pair<prometheus::Labels, double>>& values) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  for (const auto& [labels, value] : values) {
    prometheus::ClientMetric metric;
    for (const auto& [label, label_value] : labels) metric.label.push_back({label, label_value});
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace

prometheus::MetricFamily GaugeFamily(const std::string& name, const std::string& help,
                                     const std::vector<std::pair<prometheus::Labels, double>>& values) {
  return Family(name, help, prometheus::MetricType::Gauge, values);
}

prometheus::MetricFamily CounterFamily(const std::string& name, const std::string& help,
                                       const std::vector<std::pair<prometheus::Labels, double>>& values) {
  return Family(name, help, prometheus::MetricType::Counter, values);
}

}  // namespace ent
