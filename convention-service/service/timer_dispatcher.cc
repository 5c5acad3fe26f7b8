#include "convention-service/service/timer_dispatcher.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/idempotency.h"
#include "common/log_sink.h"
#include "common/metrics/metrics.h"
#include "common/resource_names.h"
#include "common/status_macros.h"
#include "convention-service/domain/lifecycle.h"
#include "convention-service/service/access_policy.h"

namespace ent::convention {
namespace {

// "conventions/{id}" or "conventions/{id}/disputes/{n}".
struct Subject {
  std::string convention_id;
  int64_t dispute = 0;
};

absl::StatusOr<Subject> ParseSubject(const std::string& subject) {
  std::vector<std::string> parts = absl::StrSplit(subject, '/');
  Subject out;
  if (parts.size() >= 2 && parts[0] == "conventions") out.convention_id = parts[1];
  if (parts.size() == 4 && parts[2] == "disputes" && absl::SimpleAtoi(parts[3], &out.dispute)) {
    return out;
  }
  if (parts.size() == 2 && !out.convention_id.empty()) return out;
  return absl::InternalError(absl::StrCat("timer with a malformed subject '", subject, "'"));
}

}  // namespace

absl::StatusOr<Mutation> TimerDispatcher::Effect(ConventionWriter& w,
                                                 const workflow::TimerRecord& timer) {
  ENT_ASSIGN_OR_RETURN(Subject subject, ParseSubject(timer.spec.subject));
  ENT_ASSIGN_OR_RETURN(std::optional<Convention> c, w.Get(subject.convention_id));
  Mutation m;
  if (!c) return m;  // nothing left to act on
  const State before = c->state;
  const std::string& kind = timer.spec.kind;
  if (kind == kTimerExpiry) {
    ENT_ASSIGN_OR_RETURN(auto events, Expire(*c, timer.spec.due));
    if (c->state == State::kExpired) m.notices.push_back(EndedNotice(*c, kTopicExpired));
    m.Add(std::move(events));
  } else if (kind == kTimerRenewalReminder) {
    ENT_ASSIGN_OR_RETURN(auto events, RemindRenewal(*c));
    m.Add(std::move(events));
  } else if (kind == kTimerConciliation || kind == kTimerTermination) {
    ENT_ASSIGN_OR_RETURN(std::optional<Dispute> d, w.GetDispute(c->id, subject.dispute));
    if (!d) return m;
    const DisputeState dispute_before = d->state;
    DisputeEffects effects;
    if (kind == kTimerConciliation) {
      ENT_ASSIGN_OR_RETURN(effects, LapseConciliation(*d, *c));
    } else {
      ENT_ASSIGN_OR_RETURN(effects, TakeTerminationEffect(*d, *c));
      if (c->state == State::kTerminated) {
        effects.cancel.emplace_back(c->Name(), "");
        m.notices.push_back(EndedNotice(*c, kTopicTerminated));
      }
    }
    m.Add(std::move(effects));
    if (d->state != dispute_before) m.disputes.push_back(std::move(*d));
  } else {
    return absl::InternalError(absl::StrCat("unknown timer kind '", kind, "'"));
  }
  if (c->state != before) m.conventions.push_back(std::move(*c));
  return m;
}

absl::Duration TimerBackoff(int attempts) {
  absl::Duration d = absl::Seconds(1);
  for (int i = 1; i < attempts && d < absl::Minutes(10); ++i) d *= 2;
  return std::min(d, absl::Minutes(10));
}

void TimerDispatcher::LogFailure(const workflow::TimerRecord& timer, const absl::Status& error,
                                 bool parked, absl::Time retry_at) {
  // A parked timer is always logged; failed attempts at most 10 a minute.
  int64_t suppressed = 0;
  if (!parked && !failure_log_.Allow(&suppressed)) return;
  LogLine line(parked ? "error" : "warn", parked ? "timer_parked" : "timer_attempt_failed");
  line.Add("timer", absl::StrCat("timers/", timer.id)).Add("kind", QuoteInput(timer.spec.kind, 64))
      .Add("subject", QuoteInput(timer.spec.subject, 100)).Add("attempt", timer.attempts + 1);
  if (!parked) line.Add("retry_at", FormatLogTime(retry_at));
  line.Add("error", QuoteInput(error.ToString(), 300));
  if (suppressed > 0) line.Add("suppressed_since_last", suppressed);
  line.Write();
}

absl::StatusOr<std::vector<workflow::TimerRecord>> TimerDispatcher::ListFailed(
    const Principal& caller, int64_t after_id, int limit) {
  ENT_RETURN_IF_ERROR(AuthorizeAction(caller, Action::kOperate));
  return runner_.store().ReadValue<std::vector<workflow::TimerRecord>>(
      [&](ConventionReader& r) { return r.timers().Failed(after_id, limit); });
}

void TimerDispatcher::Retry(const Principal& caller, const std::string& request_id, int64_t id,
                            std::function<void(absl::StatusOr<workflow::TimerRecord>)> done) {
  if (auto st = AuthorizeAction(caller, Action::kOperate); !st.ok()) return done(st);
  if (auto st = ValidateRequestId(request_id); !st.ok()) return done(st);
  runner_.store().WriteValue<workflow::TimerRecord>(
      [this, id](ConventionWriter& w) -> absl::StatusOr<workflow::TimerRecord> {
        ENT_ASSIGN_OR_RETURN(std::optional<workflow::TimerRecord> timer, w.timers().Get(id));
        if (timer && timer->state == workflow::TimerState::kPending) return *timer;  // a retry
        return w.timers().RetryFailed(id, runner_.clock().Now());
      },
      [this, done = std::move(done)](absl::StatusOr<workflow::TimerRecord> r) {
        if (r.ok()) runner_.Committed(/*timers_changed=*/true, /*notices_queued=*/false);
        done(std::move(r));
      });
}

absl::StatusOr<workflow::TimerEngine::FireResult> TimerDispatcher::FireDue(absl::Time now,
                                                                           int limit) {
  workflow::TimerEngine::FireResult result;
  std::vector<workflow::TimerRecord> fired_timers;  // logged once committed
  bool changed_timers = false;
  bool queued_notices = false;
  absl::Notification committed;
  absl::Status status;
  runner_.store().Write(
      [&](ConventionWriter& w) -> absl::Status {
        result = {};
        fired_timers.clear();
        changed_timers = queued_notices = false;
        ENT_ASSIGN_OR_RETURN(std::vector<workflow::TimerRecord> due, w.timers().Due(now, limit));
        std::vector<std::string> subjects;  // their conventions, read at once where it helps
        for (const auto& timer : due) {
          if (auto s = ParseSubject(timer.spec.subject); s.ok()) subjects.push_back(s->convention_id);
        }
        ENT_RETURN_IF_ERROR(w.Preload(subjects));
        for (const auto& timer : due) {
          bool timers = false, notices = false;
          const absl::Status fired = w.Isolated([&]() -> absl::Status {
            ENT_ASSIGN_OR_RETURN(Mutation m, Effect(w, timer));
            timers = !m.schedule.empty() || !m.cancel.empty();
            notices = !m.notices.empty();
            ENT_RETURN_IF_ERROR(runner_.Persist(w, m, timer.spec.due, kWorkflowActor,
                                                absl::StrCat("timer-", timer.id)));
            return w.timers().MarkFired(timer.id, now);
          });
          if (fired.ok()) {
            ++result.fired;
            fired_timers.push_back(timer);
            changed_timers = changed_timers || timers;
            queued_notices = queued_notices || notices;
            continue;
          }
          // This timer alone: count the attempt, retry it later or park it.
          const bool park = timer.attempts + 1 >= kMaxTimerAttempts;
          const absl::Time retry_at = now + TimerBackoff(timer.attempts + 1);
          ENT_RETURN_IF_ERROR(
              w.timers().RecordFailure(timer.id, fired.ToString(), retry_at, park));
          LogFailure(timer, fired, park, retry_at);
          ++result.failed;
        }
        ENT_ASSIGN_OR_RETURN(result.next_due, w.timers().NextDue());
        return absl::OkStatus();
      },
      [&](absl::Status st) {
        status = std::move(st);
        committed.Notify();
      });
  committed.WaitForNotification();
  if (!status.ok()) return status;
  for (const workflow::TimerRecord& t : fired_timers) {
    Metrics::Instance().TimerFired(t.spec.kind, now - t.spec.due);
    LogLine("info", "timer_fired").Add("timer", absl::StrCat("timers/", t.id))
        .Add("kind", t.spec.kind).Add("subject", t.spec.subject)
        .Add("due", FormatLogTime(t.spec.due)).Write();
  }
  if (result.fired > 0) runner_.Committed(changed_timers, queued_notices);
  return result;
}

}  // namespace ent::convention
