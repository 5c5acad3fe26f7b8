#include "workflow/timers/timer_engine.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log_sink.h"

namespace ent::workflow {

TimerEngine::TimerEngine(const Clock& clock, FireDue fire_due, Options options)
    : clock_(clock), fire_due_(std::move(fire_due)), options_(options) {}

TimerEngine::~TimerEngine() { Stop(); }

void TimerEngine::Start() {
  {
    absl::MutexLock lock(&mu_);
    activity_.running = true;
  }
  thread_ = std::thread([this] { Loop(); });
}

void TimerEngine::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  activity_.running = false;
}

void TimerEngine::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

int64_t TimerEngine::fired_total() const {
  absl::MutexLock lock(&mu_);
  return fired_total_;
}

TimerEngine::Activity TimerEngine::activity() const {
  absl::MutexLock lock(&mu_);
  return activity_;
}

absl::Status TimerEngine::Health(absl::Duration limit) const {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  const Activity& a = activity_;
  if (!a.running) return absl::UnavailableError("the timer engine is not running");
  if (a.pass_since && now - *a.pass_since > limit) {
    return absl::UnavailableError(absl::StrCat(
        "a pass of the timer engine has been under way for ", absl::FormatDuration(now - *a.pass_since),
        " (a transaction that does not end: see the database and the log)"));
  }
  if (a.failing_since && now - *a.failing_since > limit) {
    return absl::UnavailableError(absl::StrCat("the timer engine's passes have failed for ",
                                               absl::FormatDuration(now - *a.failing_since), ": ",
                                               a.last_error.ToString()));
  }
  if (!a.pass_since && a.next_pass_by != absl::InfiniteFuture() && now - a.next_pass_by > limit) {
    return absl::UnavailableError(absl::StrCat("the timer engine should have looked for due timers ",
                                               absl::FormatDuration(now - a.next_pass_by),
                                               " ago and has not"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TimerEngine::FireResult> TimerEngine::FireAllDue(absl::Time now) {
  FireResult total;
  while (true) {
    absl::StatusOr<FireResult> r = fire_due_(now, options_.batch);
    {
      absl::MutexLock lock(&mu_);
      if (r.ok()) {
        fired_total_ += r->fired;
        activity_.failing_since.reset();
        activity_.last_error = absl::OkStatus();
      } else {
        if (!activity_.failing_since) activity_.failing_since = absl::Now();
        activity_.last_error = r.status();
      }
    }
    if (!r.ok()) return r.status();
    total.fired += r->fired;
    total.failed += r->failed;
    total.next_due = r->next_due;
    if (r->fired + r->failed < options_.batch) return total;
  }
}

void TimerEngine::Loop() {
  absl::Duration contended = options_.contended_min;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      woken_ = false;
      activity_.pass_since = absl::Now();
    }
    const absl::Time now = clock_.Now();
    absl::StatusOr<FireResult> r = FireAllDue(now);
    absl::Duration wait = absl::InfiniteDuration();
    bool held_elsewhere = false;
    if (!r.ok()) {
      LogLine("error", "timer_engine_failed").Add("error", r.status().ToString())
          .Add("retry_in_s", absl::ToInt64Seconds(options_.retry_after_error)).Write();
      wait = options_.retry_after_error;
    } else if (!options_.simulated && r->fired + r->failed == 0 && r->next_due && *r->next_due <= now) {
      // Due, yet none was ours to take: another instance holds them (SKIP
      // LOCKED). Look again later, not at once.
      held_elsewhere = true;
      wait = contended;
      contended = std::min(contended * 2, options_.contended_max);
    } else {
      contended = options_.contended_min;
      if (r->next_due && !options_.simulated) {
        wait = std::max(absl::ZeroDuration(), *r->next_due - clock_.Now());
      }
    }
    wait = std::min(wait, options_.poll);
    absl::MutexLock lock(&mu_);
    const absl::Time end = absl::Now();
    activity_.pass_since.reset();
    activity_.last_pass_end = end;
    ++activity_.passes;
    if (held_elsewhere) ++activity_.contended_passes;
    activity_.next_pass_by = wait == absl::InfiniteDuration() ? absl::InfiniteFuture() : end + wait;
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
