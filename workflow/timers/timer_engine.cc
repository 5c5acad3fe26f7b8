#include "workflow/timers/timer_engine.h"

#include "common/log_sink.h"

#include <cstdio>

namespace ent::workflow {

TimerEngine::TimerEngine(const Clock& clock, FireDue fire_due, Options options)
    : clock_(clock), fire_due_(std::move(fire_due)), options_(options) {}

TimerEngine::~TimerEngine() { Stop(); }

void TimerEngine::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void TimerEngine::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void TimerEngine::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

int64_t TimerEngine::fired_total() const {
  absl::MutexLock lock(&mu_);
  return fired_total_;
}

absl::StatusOr<TimerEngine::FireResult> TimerEngine::FireAllDue(absl::Time now) {
  FireResult total;
  while (true) {
    absl::StatusOr<FireResult> r = fire_due_(now, options_.batch);
    if (!r.ok()) return r.status();
    total.fired += r->fired;
    total.failed += r->failed;
    total.next_due = r->next_due;
    {
      absl::MutexLock lock(&mu_);
      fired_total_ += r->fired;
    }
    if (r->fired + r->failed < options_.batch) return total;
  }
}

void TimerEngine::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<FireResult> r = FireAllDue(clock_.Now());
    absl::Duration wait = absl::InfiniteDuration();
    if (!r.ok()) {
      LogLine("error", "timer_engine_failed").Add("error", r.status().ToString())
          .Add("retry_in_s", absl::ToInt64Seconds(options_.retry_after_error)).Write();
      wait = options_.retry_after_error;
    } else if (r->next_due && !options_.simulated) {
      wait = std::max(absl::ZeroDuration(), *r->next_due - clock_.Now());
    }
    absl::MutexLock lock(&mu_);
    auto woken_or_stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return woken_ || stopping_;
    };
    if (wait == absl::InfiniteDuration()) {
      mu_.Await(absl::Condition(&woken_or_stopping));
    } else if (wait > absl::ZeroDuration()) {
      mu_.AwaitWithTimeout(absl::Condition(&woken_or_stopping), wait);
    }
  }
}

absl::StatusOr<int> TimerEngine::AdvanceTo(ManualClock& clock, absl::Time target) {
  absl::MutexLock advancing(&advance_mu_);
  int fired = 0;
  while (true) {
    absl::StatusOr<FireResult> r = FireAllDue(clock.Now());
    if (!r.ok()) return r.status();
    fired += r->fired;
    if (!r->next_due || *r->next_due > target) break;
    clock.Set(std::max(clock.Now(), *r->next_due));
  }
  if (target > clock.Now()) clock.Set(target);
  absl::StatusOr<FireResult> last = FireAllDue(clock.Now());
  if (!last.ok()) return last.status();
  return fired + last->fired;
}

}  // namespace ent::workflow
