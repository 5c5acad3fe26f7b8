#include "common/grpc/health_monitor.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log_sink.h"
#include "common/resource_names.h"

namespace ent {

HealthMonitor::HealthMonitor(std::vector<HealthCheck> checks, absl::Duration interval)
    : checks_(std::move(checks)), interval_(interval), healthy_(checks_.size(), true) {}

HealthMonitor::~HealthMonitor() { Stop(); }

void HealthMonitor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void HealthMonitor::Start(grpc::HealthCheckServiceInterface* health) {
  health_ = health;
  thread_ = std::thread([this] { Loop(); });
}

void HealthMonitor::Loop() {
  while (true) {
    ProbeAll();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
  }
}

void HealthMonitor::ProbeAll() {
  bool all = true;
  for (size_t i = 0; i < checks_.size(); ++i) {
    const absl::Status st = checks_[i].probe();
    all = all && st.ok();
    if (st.ok() == healthy_[i]) continue;
    healthy_[i] = st.ok();
    health_->SetServingStatus(checks_[i].name, st.ok());
    LogLine line(st.ok() ? "info" : "error", st.ok() ? "health_serving" : "health_not_serving");
    line.Add("subsystem", checks_[i].name);
    if (!st.ok()) line.Add("error", QuoteInput(std::string(st.message()), 300));
    line.Write();
  }
  health_->SetServingStatus(all);
}

}  // namespace ent
