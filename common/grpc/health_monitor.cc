#include "common/grpc/health_monitor.h"

#include <cstdio>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log_sink.h"
#include "common/resource_names.h"

namespace ent {

std::function<absl::Status()> BoundedProbe(StartCheck start, absl::Duration timeout) {
  struct State {
    absl::Mutex mu;
    bool in_flight ABSL_GUARDED_BY(mu) = false;
    absl::Time started ABSL_GUARDED_BY(mu);
    std::optional<absl::Status> outcome ABSL_GUARDED_BY(mu);
  };
  auto state = std::make_shared<State>();
  return [state, start = std::move(start), timeout]() -> absl::Status {
    {
      absl::MutexLock lock(&state->mu);
      if (state->in_flight) {
        return absl::UnavailableError(absl::StrCat(
            "the check started ", absl::FormatDuration(absl::Now() - state->started),
            " ago has not answered yet"));
      }
      state->in_flight = true;
      state->started = absl::Now();
      state->outcome.reset();
    }
    start([state](absl::Status st) {
      absl::MutexLock lock(&state->mu);
      state->outcome = std::move(st);
      state->in_flight = false;
    });
    absl::MutexLock lock(&state->mu);
    auto answered = [state]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) { return state->outcome.has_value(); };
    if (!state->mu.AwaitWithTimeout(absl::Condition(&answered), timeout)) {
      return absl::UnavailableError(
          absl::StrCat("no answer within ", absl::FormatDuration(timeout)));
    }
    return *state->outcome;
  };
}

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
