#include "convention-service/service/timer_dispatcher.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/status_macros.h"
#include "convention-service/domain/lifecycle.h"

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

absl::StatusOr<workflow::TimerEngine::FireResult> TimerDispatcher::FireDue(absl::Time now,
                                                                           int limit) {
  workflow::TimerEngine::FireResult result;
  bool changed_timers = false;
  bool queued_notices = false;
  absl::Notification committed;
  absl::Status status;
  runner_.store().Write(
      [&](ConventionWriter& w) -> absl::Status {
        ENT_ASSIGN_OR_RETURN(std::vector<workflow::TimerRecord> due, w.timers().Due(now, limit));
        for (const auto& timer : due) {
          ENT_ASSIGN_OR_RETURN(Mutation m, Effect(w, timer));
          changed_timers = changed_timers || !m.schedule.empty() || !m.cancel.empty();
          queued_notices = queued_notices || !m.notices.empty();
          ENT_RETURN_IF_ERROR(runner_.Persist(w, m, timer.spec.due, kWorkflowActor,
                                              absl::StrCat("timer-", timer.id)));
          ENT_RETURN_IF_ERROR(w.timers().MarkFired(timer.id, now));
        }
        result.fired = static_cast<int>(due.size());
        ENT_ASSIGN_OR_RETURN(result.next_due, w.timers().NextDue());
        return absl::OkStatus();
      },
      [&](absl::Status st) {
        status = std::move(st);
        committed.Notify();
      });
  committed.WaitForNotification();
  if (!status.ok()) return status;
  if (result.fired > 0) runner_.Committed(changed_timers, queued_notices);
  return result;
}

}  // namespace ent::convention
